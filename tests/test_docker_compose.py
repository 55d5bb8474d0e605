# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
docker/compose.yaml fits the images, the parameter files and the node graph it starts.

There is no Docker engine on our CI machines, so the compose file is read with PyYAML and every
reference it makes is followed: profiles, build contexts and Dockerfiles, the modules its
commands run, every file a command or the environment names inside the image (which must exist
in the repository AND be copied into the image by the service's Dockerfile), the GPU reservation
of the trainer, and that every profile starts the nodes of its bring-up in the node graph
(config/graph/pact_graph.yaml: ``compose_profile``) with the graph's command lines
(``pact_policy.node_graph.command_line``, which ``make demo`` uses too): module, node name,
parameter file, the bring-up's overlay, and only the node's run parameters.
"""

import pathlib
import re
import xml.etree.ElementTree as ElementTree

from pact_policy.node_graph import command_line, GRAPH_FILE, load_graph
import pytest
import yaml

IMAGE_ROOT = '/opt/pact_ros/'  # WORKDIR of both images: the repository's layout below it
VARIABLE = re.compile(r'\$\{(\w+)(?::?-([^}]*))?\}')


def with_defaults(text: str) -> str:
    """Return ``text`` with every ``${VAR:-default}`` replaced by its default."""
    return VARIABLE.sub(lambda match: match.group(2) or '', text)


@pytest.fixture
def compose(repo_root) -> dict:
    """Return the parsed compose file (YAML merge keys resolved by PyYAML)."""
    return yaml.safe_load((repo_root / 'docker' / 'compose.yaml').read_text())


@pytest.fixture
def graph(repo_root):
    """Return the node graph of the repository."""
    return load_graph(repo_root / GRAPH_FILE)


def services_of(compose: dict, profile: str) -> dict:
    """Return the services of ``profile``."""
    return {name: service for name, service in compose['services'].items()
            if profile in service.get('profiles', [])}


def command_of(service: dict, defaults: bool = True) -> list:
    """Return the service's command as a list of strings (variable defaults filled in)."""
    assert isinstance(service['command'], list), 'use the list form of command'
    return [with_defaults(str(part)) if defaults else str(part) for part in service['command']]


def run_values_of(command: list) -> dict:
    """Return the ``-p name:=value`` arguments of a ROS command line."""
    return dict(part.split(':=', 1) for i, part in enumerate(command)
                if i and command[i - 1] == '-p')


def dockerfile_of(repo_root: pathlib.Path, service: dict) -> pathlib.Path:
    """Return the Dockerfile a service builds from."""
    context = (repo_root / 'docker' / service['build']['context']).resolve()
    return context / service['build']['dockerfile']


def copied_sources(dockerfile: pathlib.Path) -> list:
    """Return the repository paths (files or folders) the Dockerfile COPYs under WORKDIR."""
    sources = []
    for line in dockerfile.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ['COPY'] and not parts[-1].startswith('/'):
            sources += [part.rstrip('/') for part in parts[1:-1]]
    return sources


def image_file(repo_root: pathlib.Path, service: dict, path: str) -> pathlib.Path:
    """Return the repository file behind an image path; fail unless the image contains it."""
    assert path.startswith(IMAGE_ROOT), f'{path} is not under {IMAGE_ROOT}'
    relative = path[len(IMAGE_ROOT):]
    assert (repo_root / relative).is_file(), f'{relative} does not exist in the repository'
    dockerfile = dockerfile_of(repo_root, service)
    assert any(relative == source or relative.startswith(source + '/')
               for source in copied_sources(dockerfile)), f'{dockerfile.name} does not copy {path}'
    return repo_root / relative


def parameter_files(command: list) -> list:
    """Return the ``--params-file`` arguments of a ROS command line, in order."""
    return [command[i + 1] for i, part in enumerate(command) if part == '--params-file']


def node_name(command: list) -> str:
    """Return the ``__node:=`` remapping of a ROS command line."""
    names = [part.split(':=')[1] for part in command if part.startswith('__node:=')]
    assert len(names) == 1, command
    return names[0]


def test_the_three_profiles_exist(compose):
    profiles = {p for service in compose['services'].values() for p in service['profiles']}
    assert profiles == {'sim', 'real', 'trainer'}


def test_every_build_context_and_dockerfile_exists(repo_root, compose):
    for name, service in compose['services'].items():
        context = (repo_root / 'docker' / service['build']['context']).resolve()
        assert context == repo_root, f'{name}: build from the repository root'
        dockerfile = dockerfile_of(repo_root, service)
        assert dockerfile.is_file(), f'{name}: no {dockerfile}'
        assert dockerfile.read_text().startswith('#') and '\nFROM ros:jazzy\n' in (
            dockerfile.read_text()), f'{name}: {dockerfile.name} is not a ros:jazzy image'


def test_every_module_a_command_runs_exists(repo_root, compose):
    for name, service in compose['services'].items():
        command = command_of(service)
        assert command[:2] == ['python', '-m'], f'{name}: {command}'
        package, *rest = command[2].split('.')
        module = repo_root / 'ros2_ws' / 'src' / package / package / ('/'.join(rest) + '.py')
        assert module.is_file(), f'{name}: runs {command[2]}, which does not exist'


def test_every_file_a_command_names_is_in_the_repository_and_the_image(repo_root, compose):
    checked = 0
    for service in compose['services'].values():
        for part in command_of(service):
            value = part.split(':=')[-1]
            if value.startswith(IMAGE_ROOT) and value.endswith(('.yaml', '.xml')):
                image_file(repo_root, service, value)
                checked += 1
    assert checked >= 2 * len(compose['services']) - 1


def test_parameter_files_belong_to_the_node_that_reads_them(repo_root, compose, graph):
    for name, service in compose['services'].items():
        command = command_of(service)
        if '--ros-args' not in command:
            continue
        node = graph.node(node_name(command))
        packaged, *overlays = parameter_files(command)
        assert packaged == IMAGE_ROOT + node.parameter_file.path, name
        for overlay in overlays:
            document = yaml.safe_load(image_file(repo_root, service, overlay).read_text())
            assert set(document) & {node.name, '/**'}, (
                f'{name}: {overlay} has nothing for {node.name}')
        run_values = set(run_values_of(command))
        assert run_values <= set(node.run_parameters), (
            f'{name}: parameters set in compose.yaml: {run_values}')


def test_every_profile_is_a_bringup_of_the_node_graph(compose, graph):
    profiles = {p for service in compose['services'].values() for p in service['profiles']}
    assert profiles == {entry.compose_profile for entry in graph.bringups.values()
                        if entry.compose_profile}


@pytest.mark.parametrize('profile', ['sim', 'real', 'trainer'])
def test_each_profile_starts_its_bringup_with_the_command_lines_of_the_graph(compose, graph,
                                                                            profile):
    bringup = graph.by_compose_profile(profile)
    commands = {}
    for name, service in services_of(compose, profile).items():
        if '--ros-args' in command_of(service):
            node = node_name(command_of(service))
            assert node not in commands, f'{name}: a second service runs {node}'
            commands[node] = command_of(service, defaults=False)
    assert list(commands) == [node.name for node in graph.resolve(bringup.name)], profile
    overlay = IMAGE_ROOT + graph.overlay(bringup.name).path
    for node_name_, command in commands.items():
        node = graph.node(node_name_)
        packaged, written_overlay = parameter_files(command)
        assert with_defaults(written_overlay) == overlay, f'{node.name}: overlay {written_overlay}'
        # the graph's command line with compose's own overlay and run values as written
        # (variables unexpanded): module, node name, file order and -p order must match
        assert command == command_line(node, 'python', [IMAGE_ROOT + node.parameter_file.path,
                                                        written_overlay],
                                       run_values_of(command)), node.name


def test_the_sim_profile_drives_episodes_like_make_demo(compose, graph):
    drivers = [command_of(s) for s in services_of(compose, 'sim').values()
               if command_of(s)[2] == 'pact_eval.episode_driver']
    assert drivers == [['python', '-m', 'pact_eval.episode_driver', '--params-file',
                        IMAGE_ROOT + graph.overlay(graph.by_compose_profile('sim').name).path]]


def test_the_real_profile_starts_policy_and_constraints_with_an_inactive_policy(repo_root,
                                                                                  compose):
    real = services_of(compose, 'real')
    nodes = {node_name(command_of(service)): service for service in real.values()}
    assert set(nodes) == {'policy_node', 'constraint_node'}
    policy = command_of(nodes['policy_node'])
    parameters = {}
    for path in parameter_files(policy):
        document = yaml.safe_load(image_file(repo_root, nodes['policy_node'], path).read_text())
        for key in ('/**', 'policy_node'):
            parameters.update((document.get(key) or {}).get('ros__parameters') or {})
    parameters.update({name: yaml.safe_load(value)  # -p values come last and win
                       for name, value in run_values_of(policy).items()})
    assert parameters['autostart_activate'] is False
    assert parameters.get('use_sim_time', False) is False  # else new weights auto-activate
    for service in real.values():
        assert f'{IMAGE_ROOT}config/demo/mujoco_demo.yaml' not in command_of(service)
        assert any(volume.endswith(':/robot:ro') for volume in service['volumes']), (
            'mount the robot description folder from the host')


def test_the_trainer_reserves_a_gpu(compose):
    trainers = services_of(compose, 'trainer')
    assert [node_name(command_of(s)) for s in trainers.values()] == ['trainer_node']
    service, = trainers.values()
    devices = service['deploy']['resources']['reservations']['devices']
    assert any(device['driver'] == 'nvidia' and 'gpu' in device['capabilities']
               for device in devices)
    assert service['build']['dockerfile'] == 'docker/trainer.Dockerfile'


def test_every_service_speaks_dds_on_the_host_with_the_large_message_profile(repo_root,
                                                                           compose):
    for name, service in compose['services'].items():
        assert service['network_mode'] == 'host' and service['ipc'] == 'host', name
        environment = {key: with_defaults(str(value))
                       for key, value in service['environment'].items()}
        assert environment['ROS_DOMAIN_ID'].isdigit(), name
        profile = image_file(repo_root, service, environment['FASTRTPS_DEFAULT_PROFILES_FILE'])
        root = ElementTree.parse(profile).getroot()
        assert root.tag.endswith('profiles')
        namespace = root.tag[:-len('profiles')]
        buffers = [int(element.text) for element in root.iter(f'{namespace}sendBufferSize')]
        assert buffers and min(buffers) >= 4 * 1024 * 1024, 'a 4 MiB model chunk must fit'


def test_checkpoints_and_runs_are_volumes(compose):
    for name, service in compose['services'].items():
        targets = {volume.split(':')[1] for volume in service['volumes']}
        if any(f'{IMAGE_ROOT}models/' in part for part in command_of(service)):
            assert f'{IMAGE_ROOT}models' in targets, f'{name} reads a checkpoint from models/'
        writes = service.get('working_dir', '').startswith(f'{IMAGE_ROOT}runs')
        if writes or node_name_or_none(service) in ('policy_node', 'trainer_node'):
            assert f'{IMAGE_ROOT}runs' in targets, f'{name} writes or reads runs/'


def node_name_or_none(service: dict) -> str:
    """Return the node name of a ROS command, or None."""
    command = command_of(service)
    return node_name(command) if '--ros-args' in command else None
