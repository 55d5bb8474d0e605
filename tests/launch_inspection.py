# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Expand a launch description into the processes it would start, without starting any.

``expand_launch_file`` visits the description in a ``launch.LaunchContext`` the way
``LaunchService`` does (arguments, conditions, includes, groups, namespaces, opaque functions
all run for real), but stops at every process action: a launch_ros ``Node`` has its
substitutions performed (name, namespace, parameters, remappings) and is recorded as a
``PlannedNode`` instead of being executed.
"""

from dataclasses import dataclass, field
import pathlib
import tempfile
from typing import Dict, List, Optional

import yaml


@dataclass
class PlannedNode:
    """A process the launch description would start, with everything resolved."""

    package: str
    executable: str
    name: Optional[str]
    namespace: str
    parameters: Dict[str, object] = field(default_factory=dict)   # merged, later files win
    remappings: List[tuple] = field(default_factory=list)
    arguments: List[str] = field(default_factory=list)
    cwd: Optional[str] = None
    parameter_files: List[str] = field(default_factory=list)   # YAML files, in order
    run_values: Dict[str, object] = field(default_factory=dict)  # the launch's inline values


def _is_inline(path: str) -> bool:
    """Return True for the temporary file launch_ros writes a node's inline parameters to."""
    path = pathlib.Path(path)
    return path.parent == pathlib.Path(tempfile.gettempdir()) and path.name.startswith(
        'launch_params_')


def _sources(node) -> tuple:
    """Return (parameter files, merged inline values) of the node, in command-line order."""
    files, inline = [], {}
    for value, is_file in node._Node__expanded_parameter_arguments or []:
        if is_file and not _is_inline(value):
            files.append(value)
        elif is_file:
            for section in (yaml.safe_load(pathlib.Path(value).read_text()) or {}).values():
                inline.update((section or {}).get('ros__parameters', {}))
    return files, inline


def _parameters(node, context) -> dict:
    """Merge the node's parameter files and rules in command-line order (later ones win)."""
    merged = {}
    for value, is_file in node._Node__expanded_parameter_arguments or []:
        if not is_file:
            name, _, text = value.partition(':=')
            merged[name] = yaml.safe_load(text)
            continue
        document = yaml.safe_load(pathlib.Path(value).read_text()) or {}
        for key, section in document.items():
            if key == '/**' or key.strip('/').split('/')[-1] == node._Node__expanded_node_name:
                merged.update((section or {}).get('ros__parameters', {}))
    return merged


def _planned(node, context) -> PlannedNode:
    from launch.utilities import perform_substitutions
    from launch.utilities import normalize_to_list_of_substitutions
    node._perform_substitutions(context)
    arguments = [perform_substitutions(context, normalize_to_list_of_substitutions(argument))
                 for argument in node._Node__arguments or []]
    cwd = node.process_description.cwd
    files, inline = _sources(node)
    return PlannedNode(
        package=node.node_package, executable=node.node_executable,
        name=None if node._Node__node_name is None else node._Node__expanded_node_name,
        namespace=node.expanded_node_namespace, parameters=_parameters(node, context),
        remappings=list(node.expanded_remapping_rules or []), arguments=arguments,
        cwd=None if cwd is None else perform_substitutions(context, cwd),
        parameter_files=files, run_values=inline)


def _expand(entities, context, found: list) -> None:
    from launch_ros.actions import Node
    for entity in entities:
        condition = getattr(entity, 'condition', None)
        if condition is not None and not condition.evaluate(context):
            continue
        if isinstance(entity, Node):
            found.append(_planned(entity, context))
            continue
        _expand(entity.visit(context) or [], context, found)


def expand_launch_file(path, arguments: Dict[str, str]) -> List[PlannedNode]:
    """Return the nodes ``path`` would start with the launch ``arguments`` (name: value)."""
    from launch import LaunchContext
    from launch.actions import IncludeLaunchDescription
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    context = LaunchContext()
    include = IncludeLaunchDescription(PythonLaunchDescriptionSource(str(path)),
                                       launch_arguments=arguments.items())
    found = []
    _expand([include], context, found)
    return found
