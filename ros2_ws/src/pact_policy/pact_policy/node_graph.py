# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The node graph of PACT-ROS, read from config/graph/pact_graph.yaml (plain Python, no ROS imports).

One description of the nodes (name, package, executable, parameter file, run parameters,
namespace, remappings, arguments) and of the bring-ups that start them (launch file, compose
profile, overlay, nodes, optional nodes, included bring-up). The launch files build their nodes
from it (``pact_policy.graph_launch``), ``make demo`` builds its process list from it
(``pact_eval.demo_graph``) and a test checks docker/compose.yaml against it. The file's header
documents every key; ``load_graph`` checks all of them and raises ``GraphError`` naming the entry.

``command_line`` is the one place where a graph node becomes a ``python -m ... --ros-args``
command line (``make demo``, and the commands of docker/compose.yaml).
"""

from dataclasses import dataclass, field
from pathlib import Path
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import yaml

GRAPH_FILE = 'config/graph/pact_graph.yaml'   # repository path; installed by pact_policy
GRAPH_PACKAGE = 'pact_policy'
PACKAGE_SCHEME = 'package://'
OUTPUTS = ('screen', 'log', 'both')
NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
NAMESPACE = re.compile(r'^(/?[A-Za-z_][A-Za-z0-9_]*)(/[A-Za-z_][A-Za-z0-9_]*)*$')
TOPIC = re.compile(r'^[~/]?[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$')
CONDITION = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*):=(\S*)$')
NODE_KEYS = {'name': True, 'package': True, 'executable': True, 'lifecycle': False,
             'namespace': False, 'parameter_file': False, 'run_parameters': False,
             'remappings': False, 'arguments': False, 'output': False}   # key: required
BRINGUP_KEYS = ('about', 'launch_file', 'compose_profile', 'overlay', 'nodes', 'optional',
                'include', 'include_arguments')
TRUE_WORDS = ('true', '1')   # what launch's IfCondition takes as true (case-insensitive)


class GraphError(ValueError):
    """The graph file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class PackageFile:
    """A file installed by a ROS package: ``package://<package>/<path>``."""

    package: str
    path: str   # relative, '/'-separated; the same path in the repository and in share/<package>

    @property
    def uri(self) -> str:
        """Return ``package://<package>/<path>``."""
        return f'{PACKAGE_SCHEME}{self.package}/{self.path}'

    @property
    def parts(self) -> Tuple[str, ...]:
        """Return the path's components (for launch's PathJoinSubstitution)."""
        return tuple(self.path.split('/'))

    def installed(self) -> Path:
        """Return the installed file (``share/<package>/<path>``, from the ament index)."""
        from ament_index_python.packages import get_package_share_directory
        return Path(get_package_share_directory(self.package)) / self.path

    def __str__(self) -> str:
        """Return the URI."""
        return self.uri


@dataclass(frozen=True)
class Condition:
    """``argument:=value``: a launch argument that starts an optional node."""

    argument: str
    value: str

    def holds(self, arguments: Mapping[str, str]) -> bool:
        """Return True when ``arguments`` give the argument this value (absent: False)."""
        given = arguments.get(self.argument)
        if given is None:
            return False
        if self.value.lower() in TRUE_WORDS:  # like launch's IfCondition: true, True, 1
            return str(given).strip().lower() in TRUE_WORDS
        return str(given) == self.value

    def __str__(self) -> str:
        """Return ``argument:=value``."""
        return f'{self.argument}:={self.value}'


@dataclass(frozen=True)
class GraphNode:
    """One node of the graph (see the graph file's header for each field)."""

    name: str
    package: str
    executable: str
    lifecycle: bool = False
    namespace: str = ''
    parameter_file: Optional[PackageFile] = None
    run_parameters: Tuple[str, ...] = ()
    remappings: Tuple[Tuple[str, str], ...] = ()
    arguments: Tuple[Union[str, PackageFile], ...] = ()
    output: str = 'screen'

    def run_values(self, values: Mapping[str, object]) -> Dict[str, object]:
        """Return the entries of ``values`` this node takes, in the order of run_parameters."""
        return {name: values[name] for name in self.run_parameters if name in values}

    def check_run_values(self, values: Mapping[str, object]) -> None:
        """Raise GraphError unless every name in ``values`` is one of its run_parameters."""
        unknown = sorted(set(values) - set(self.run_parameters))
        if unknown:
            raise GraphError(f'{self.name} takes no run parameter {", ".join(unknown)} (its '
                             f'run_parameters in {GRAPH_FILE}: {", ".join(self.run_parameters)})')


@dataclass(frozen=True)
class Bringup:
    """What one entry point starts (see the graph file's header for each field)."""

    name: str
    about: str = ''
    launch_file: Optional[str] = None
    compose_profile: Optional[str] = None
    overlay: Optional[PackageFile] = None
    nodes: Tuple[str, ...] = ()
    optional: Tuple[Tuple[str, Condition], ...] = ()
    include: Optional[str] = None
    include_arguments: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NodeGraph:
    """The nodes (in start order) and the bring-ups of the graph file."""

    nodes: Dict[str, GraphNode] = field(default_factory=dict)
    bringups: Dict[str, Bringup] = field(default_factory=dict)
    source: str = GRAPH_FILE

    def node(self, name: str) -> GraphNode:
        """Return node ``name`` (GraphError naming the known ones)."""
        if name not in self.nodes:
            raise GraphError(f'{self.source}: no node {name!r} (nodes: {", ".join(self.nodes)})')
        return self.nodes[name]

    def bringup(self, name: str) -> Bringup:
        """Return bring-up ``name`` (GraphError naming the known ones)."""
        if name not in self.bringups:
            raise GraphError(f'{self.source}: no bring-up {name!r} (bringups: '
                             f'{", ".join(self.bringups)})')
        return self.bringups[name]

    def own_nodes(self, bringup: str) -> List[Tuple[GraphNode, Optional[Condition]]]:
        """Return (node, condition or None) of the nodes ``bringup`` starts itself, in order."""
        entry = self.bringup(bringup)
        conditions = dict(entry.optional)
        wanted = set(entry.nodes) | set(conditions)
        return [(node, conditions.get(name)) for name, node in self.nodes.items()
                if name in wanted]

    def resolve(self, bringup: str, arguments: Mapping[str, str] = None) -> List[GraphNode]:
        """
        Return the nodes ``bringup`` starts with these launch ``arguments``, in start order.

        Its own nodes, those optional nodes whose condition holds, and the nodes of the bring-up
        it includes (with its ``include_arguments`` over ``arguments``).
        """
        arguments = dict(arguments or {})
        entry = self.bringup(bringup)
        names = {node.name for node, condition in self.own_nodes(bringup)
                 if condition is None or condition.holds(arguments)}
        if entry.include:
            included = {**arguments, **dict(entry.include_arguments)}
            names |= {node.name for node in self.resolve(entry.include, included)}
        return [node for name, node in self.nodes.items() if name in names]

    def overlay(self, bringup: str) -> Optional[PackageFile]:
        """Return the default overlay of ``bringup`` (its own, else its included bring-up's)."""
        entry = self.bringup(bringup)
        if entry.overlay is not None or not entry.include:
            return entry.overlay
        return self.overlay(entry.include)

    def by_launch_file(self, file_name: str) -> Bringup:
        """Return the bring-up started by launch file ``file_name``."""
        for entry in self.bringups.values():
            if entry.launch_file == file_name:
                return entry
        raise GraphError(f'{self.source}: no bring-up has launch_file {file_name!r}')

    def by_compose_profile(self, profile: str) -> Bringup:
        """Return the bring-up started by docker compose profile ``profile``."""
        for entry in self.bringups.values():
            if entry.compose_profile == profile:
                return entry
        raise GraphError(f'{self.source}: no bring-up has compose_profile {profile!r}')


# --- reading ---------------------------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader, node, deep=False):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise GraphError(f'line {key_node.start_mark.line + 1}: key {key!r} appears twice')
        keys.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


def installed_graph_file() -> Path:
    """Return the installed graph file (share/pact_policy/config/graph/pact_graph.yaml)."""
    return PackageFile(GRAPH_PACKAGE, GRAPH_FILE).installed()


def load_graph(path: Union[str, Path, None] = None) -> NodeGraph:
    """Read and check the graph file ``path`` (default: the installed one)."""
    path = Path(path) if path is not None else installed_graph_file()
    try:
        text = path.read_text()
    except OSError as error:
        raise GraphError(f'cannot read the node graph {path}: {error}') from error
    return parse_graph(text, str(path))


def parse_graph(text: str, source: str = GRAPH_FILE) -> NodeGraph:
    """Return the graph of YAML ``text``; GraphError names ``source`` and the bad entry."""
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)
    except GraphError as error:
        raise GraphError(f'{source}: {error}') from None
    except yaml.YAMLError as error:
        raise GraphError(f'{source}: not valid YAML: {error}') from None
    return _Reader(source).graph(document)


class _Reader:
    """Turns the parsed YAML into a NodeGraph, checking every entry."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str):
        raise GraphError(f'{self.source}: {where}: {message}')

    def graph(self, document) -> NodeGraph:
        if not isinstance(document, dict):
            raise GraphError(f'{self.source}: expected a mapping with keys nodes and bringups')
        self.keys('the file', document, {'nodes', 'bringups'}, required={'nodes', 'bringups'})
        nodes = self.nodes(document['nodes'])
        bringups = self.bringups(document['bringups'], nodes)
        return NodeGraph(nodes, bringups, self.source)

    def keys(self, where: str, mapping: dict, known, required=()) -> None:
        unknown = sorted(set(mapping) - set(known), key=str)
        if unknown:
            self.fail(where, f'unknown key {unknown[0]!r} (known: {", ".join(sorted(known))})')
        missing = sorted(set(required) - set(mapping))
        if missing:
            self.fail(where, f'missing key {missing[0]!r}')

    def text(self, where: str, value, pattern=None, what='a non-empty string') -> str:
        if not isinstance(value, str) or not value or (pattern and not pattern.match(value)):
            self.fail(where, f'expected {what}, got {value!r}')
        return value

    def name_list(self, where: str, value, pattern=NAME) -> Tuple[str, ...]:
        if not isinstance(value, list):
            self.fail(where, f'expected a list, got {value!r}')
        names = tuple(self.text(f'{where}[{i}]', item, pattern, 'a name')
                      for i, item in enumerate(value))
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            self.fail(where, f'{repeated[0]!r} is listed twice')
        return names

    def package_file(self, where: str, value) -> PackageFile:
        text = self.text(where, value, what='a package://<package>/<path> URI')
        package, _, path = text[len(PACKAGE_SCHEME):].partition('/')
        parts = path.split('/')
        if not text.startswith(PACKAGE_SCHEME) or not NAME.match(package) or not path or any(
                part in ('', '.', '..') for part in parts):
            self.fail(where, f'expected a package://<package>/<path> URI, got {value!r}')
        return PackageFile(package, path)

    def string_map(self, where: str, value, key_pattern, value_pattern,
                   what: str) -> Tuple[Tuple[str, str], ...]:
        if not isinstance(value, dict):
            self.fail(where, f'expected a mapping, got {value!r}')
        pairs = []
        for key, item in value.items():
            self.text(f'{where}', key, key_pattern, what)
            if not isinstance(item, str):
                self.fail(f'{where}.{key}', f'expected a string (quote it), got {item!r}')
            if value_pattern is not None:
                self.text(f'{where}.{key}', item, value_pattern, what)
            pairs.append((key, item))
        return tuple(pairs)

    # --- nodes -----------------------------------------------------------------------------

    def nodes(self, value) -> Dict[str, GraphNode]:
        if not isinstance(value, list) or not value:
            self.fail('nodes', f'expected a non-empty list of nodes, got {value!r}')
        nodes = {}
        for index, entry in enumerate(value):
            node = self.node(index, entry)
            if node.name in nodes:
                self.fail(f'nodes[{index}] ({node.name})', 'a node of this name exists already')
            nodes[node.name] = node
        return nodes

    def node(self, index: int, entry) -> GraphNode:
        where = f'nodes[{index}]'
        if not isinstance(entry, dict):
            self.fail(where, f'expected a mapping, got {entry!r}')
        if isinstance(entry.get('name'), str):
            where = f'{where} ({entry["name"]})'
        self.keys(where, entry, NODE_KEYS, {key for key, needed in NODE_KEYS.items() if needed})
        name = self.text(f'{where}.name', entry['name'], NAME, 'a ROS node name')
        package = self.text(f'{where}.package', entry['package'], NAME, 'a ROS package name')
        executable = self.text(f'{where}.executable', entry['executable'])
        lifecycle = entry.get('lifecycle', False)
        if not isinstance(lifecycle, bool):
            self.fail(f'{where}.lifecycle', f'expected true or false, got {lifecycle!r}')
        namespace = entry.get('namespace', '')
        if namespace != '':
            self.text(f'{where}.namespace', namespace, NAMESPACE, 'a ROS namespace')
        parameter_file = None
        if entry.get('parameter_file') is not None:
            parameter_file = self.package_file(f'{where}.parameter_file',
                                               entry['parameter_file'])
        run_parameters = self.name_list(f'{where}.run_parameters',
                                        entry.get('run_parameters', []))
        remappings = self.string_map(f'{where}.remappings', entry.get('remappings', {}), TOPIC,
                                     TOPIC, 'a topic or service name')
        arguments = entry.get('arguments', [])
        if not isinstance(arguments, list):
            self.fail(f'{where}.arguments', f'expected a list, got {arguments!r}')
        parsed_arguments = []
        for position, argument in enumerate(arguments):
            if not isinstance(argument, str):
                self.fail(f'{where}.arguments[{position}]',
                          f'expected a string (quote it), got {argument!r}')
            parsed_arguments.append(self.package_file(f'{where}.arguments[{position}]', argument)
                                    if argument.startswith(PACKAGE_SCHEME) else argument)
        output = entry.get('output', 'screen')
        if output not in OUTPUTS:
            self.fail(f'{where}.output', f'expected one of {", ".join(OUTPUTS)}, got {output!r}')
        return GraphNode(name, package, executable, lifecycle, namespace, parameter_file,
                         run_parameters, remappings, tuple(parsed_arguments), output)

    # --- bring-ups -------------------------------------------------------------------------

    def bringups(self, value, nodes: Dict[str, GraphNode]) -> Dict[str, Bringup]:
        if not isinstance(value, dict) or not value:
            self.fail('bringups', f'expected a non-empty mapping of bring-ups, got {value!r}')
        bringups = {}
        for name, entry in value.items():
            self.text('bringups', name, NAME, 'a bring-up name')
            bringups[name] = self.bringup(name, entry, nodes)
        for name, entry in bringups.items():
            if entry.include is not None and entry.include not in bringups:
                self.fail(f'bringups.{name}.include', f'no bring-up {entry.include!r}')
        for name in bringups:
            self.check_includes(name, bringups)
        for field_name in ('launch_file', 'compose_profile'):
            seen = {}
            for name, entry in bringups.items():
                value = getattr(entry, field_name)
                if value is not None and value in seen:
                    self.fail(f'bringups.{name}.{field_name}',
                              f'{value!r} is also the {field_name} of {seen[value]}')
                seen[value] = name
        graph = NodeGraph(nodes, bringups, self.source)
        for name in bringups:
            if graph.overlay(name) is None:
                self.fail(f'bringups.{name}', 'no overlay (give one, or include a bring-up '
                          'that has one)')
        return bringups

    def check_includes(self, name: str, bringups: Dict[str, Bringup]) -> None:
        chain, current = [name], bringups[name].include
        while current is not None:
            if current in chain:
                self.fail(f'bringups.{name}.include',
                          f'includes itself: {" -> ".join(chain + [current])}')
            chain.append(current)
            current = bringups[current].include

    def bringup(self, name: str, entry, nodes: Dict[str, GraphNode]) -> Bringup:
        where = f'bringups.{name}'
        if not isinstance(entry, dict):
            self.fail(where, f'expected a mapping, got {entry!r}')
        self.keys(where, entry, BRINGUP_KEYS)
        about = entry.get('about', '')
        if not isinstance(about, str):
            self.fail(f'{where}.about', f'expected a string, got {about!r}')
        launch_file = entry.get('launch_file')
        if launch_file is not None:
            self.text(f'{where}.launch_file', launch_file,
                      re.compile(r'^[A-Za-z0-9_]+\.launch\.py$'), 'a <name>.launch.py file name')
        compose_profile = entry.get('compose_profile')
        if compose_profile is not None:
            self.text(f'{where}.compose_profile', compose_profile, NAME, 'a profile name')
        overlay = None
        if entry.get('overlay') is not None:
            overlay = self.package_file(f'{where}.overlay', entry['overlay'])
        own = self.name_list(f'{where}.nodes', entry.get('nodes', []))
        optional = self.string_map(f'{where}.optional', entry.get('optional', {}), NAME,
                                   CONDITION, 'argument:=value')
        conditions = tuple((node, Condition(*CONDITION.match(text).groups()))
                           for node, text in optional)
        for node in list(own) + [node for node, _ in conditions]:
            if node not in nodes:
                self.fail(where, f'no node {node!r} in nodes (nodes: {", ".join(nodes)})')
        both = sorted(set(own) & {node for node, _ in conditions})
        if both:
            self.fail(where, f'{both[0]!r} is in nodes and in optional')
        include = entry.get('include')
        if include is not None:
            self.text(f'{where}.include', include, NAME, 'a bring-up name')
        include_arguments = self.string_map(f'{where}.include_arguments',
                                            entry.get('include_arguments', {}), NAME, None,
                                            'a launch argument name')
        if include_arguments and include is None:
            self.fail(f'{where}.include_arguments', 'given without include')
        if not own and not conditions and include is None:
            self.fail(where, 'starts nothing (give nodes, optional or include)')
        return Bringup(name, about, launch_file, compose_profile, overlay, own, conditions,
                       include, include_arguments)


# --- command lines ---------------------------------------------------------------------------

def python_module(node: GraphNode) -> str:
    """Return the module of ``node``'s console script (``python -m <module>`` runs the node)."""
    from importlib.metadata import entry_points
    for entry in entry_points(group='console_scripts', name=node.executable):
        distribution = entry.dist.name if entry.dist is not None else ''
        if distribution.replace('-', '_') == node.package:
            return entry.value.split(':')[0]
    raise GraphError(f'{node.name}: {node.executable} is not a Python console script of '
                     f'{node.package} (is the workspace built and sourced?)')


def ros_arguments(node: GraphNode, parameter_files: Sequence[str],
                  run_values: Mapping[str, object]) -> List[str]:
    """
    Return ``node``'s arguments and ``--ros-args`` as ``make demo`` and compose pass them.

    Arguments, then ``--ros-args``, the node name, namespace and remappings (``-r``), the
    ``parameter_files`` in order, and the run values the node takes (``-p name:=value``, in the
    order of its run_parameters; a value it does not list raises GraphError).
    """
    node.check_run_values(run_values)
    if any(isinstance(argument, PackageFile) for argument in node.arguments):
        raise GraphError(f'{node.name}: package:// arguments are resolved by launch only')
    command = [*node.arguments, '--ros-args', '-r', f'__node:={node.name}']
    if node.namespace:
        command += ['-r', f'__ns:=/{node.namespace.lstrip("/")}']
    for source, target in node.remappings:
        command += ['-r', f'{source}:={target}']
    for path in parameter_files:
        command += ['--params-file', str(path)]
    for name, value in node.run_values(run_values).items():
        command += ['-p', f'{name}:={value}']
    return command


def command_line(node: GraphNode, python: str, parameter_files: Sequence[str],
                 run_values: Mapping[str, object], module: str = None) -> List[str]:
    """Return ``[python, -m, <module>, *ros_arguments]`` (module: from the console script)."""
    return [python, '-m', module or python_module(node),
            *ros_arguments(node, parameter_files, run_values)]
