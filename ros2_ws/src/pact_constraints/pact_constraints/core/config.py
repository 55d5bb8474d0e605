# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Constraint configuration: which constraints are active, their margins d_k, weights, penalties.

Read from YAML (``config/constraints/default.yaml`` is the documented default) and validated:
an unknown key or a bad value raises ``ConstraintConfigError`` naming the key path, e.g.
``constraints.clearance.margin: must be >= 0, got -1``.

A file may be an overlay: ``extends: <file>`` (relative to the file's folder, or a
``package://``/``file://`` URI) reads that file first and applies this one's keys on top,
mapping by mapping (a key set here replaces the base's value; nested mappings such as
``constraints.clearance`` are merged key by key). ``config/constraints/sim_tasks.yaml`` is such
an overlay on ``default.yaml``.

Penalty of a constraint with slack s (measured, e.g. a distance) held to margin d, with
violation v = d - s:

- ``hinge``:  c = max(0, v)
- ``smooth``: c = 0 for v <= 0, v**2 / (2 w) for 0 < v < w, v - w / 2 for v >= w
  (a once-differentiable hinge, ``w`` = ``smooth_width``, same unit as the constraint)

Both are >= 0 and exactly 0 when the constraint is satisfied with its margin.
"""

from dataclasses import dataclass, field, replace
import math
import pathlib
from typing import Mapping, Optional, Tuple

import numpy as np
import yaml

GEOMETRY_MODES = ('exact', 'convex', 'capsule')
PENALTIES = ('hinge', 'smooth')
CONSTRAINT_NAMES = ('clearance', 'self_collision', 'joint_position', 'joint_velocity',
                    'workspace', 'grasp_approach', 'payload_drop')
# Constraints that are off unless a configuration turns them on (the others default to on).
OPT_IN = ('payload_drop',)
_TERM_KEYS = {'active', 'margin', 'weight', 'penalty', 'smooth_width'}
_EXTRA_KEYS = {
    'clearance': {'include_objects', 'report_distance', 'held_objects'},
    'payload_drop': {'max_drop'},
    'workspace': {'box', 'half_spaces'},
    'grasp_approach': {'keypoint', 'activation_radius', 'open_fraction'},
}
_TOP_KEYS = {'geometry_mode', 'penalty', 'velocity_scale', 'tool_frame', 'gripper_joint',
             'capsules_per_link', 'path_substeps', 'path_rows', 'payload', 'constraints'}


class ConstraintConfigError(ValueError):
    """A constraint configuration is malformed; the message names the key."""


@dataclass(frozen=True)
class ConstraintTerm:
    """Settings shared by every constraint: activity, margin d_k, weight, penalty shape."""

    active: bool = True
    margin: float = 0.0
    weight: float = 1.0
    penalty: str = 'hinge'
    smooth_width: float = 0.01


@dataclass(frozen=True)
class Workspace:
    """
    Where the tool frame origin may go, in the scene frame (m).

    ``box_min``/``box_max``: axis-aligned box (None: no box). ``half_spaces``: tuples
    (normal, offset) each allowing {p : normal . p <= offset}.
    """

    box_min: Optional[Tuple[float, float, float]] = None
    box_max: Optional[Tuple[float, float, float]] = None
    half_spaces: Tuple[Tuple[Tuple[float, float, float], float], ...] = ()

    def faces(self) -> Tuple[np.ndarray, np.ndarray]:
        """Return (normals (F, 3), offsets (F,)) of all faces: half-spaces, then the box's."""
        faces = [(np.asarray(normal, dtype=float), float(offset))
                 for normal, offset in self.half_spaces]
        if self.box_min is not None:
            for axis in range(3):
                unit = np.eye(3)[axis]
                faces.append((unit, self.box_max[axis]))
                faces.append((-unit, -self.box_min[axis]))
        return (np.array([face[0] for face in faces]).reshape(-1, 3),
                np.array([face[1] for face in faces], dtype=float))


@dataclass(frozen=True)
class GraspApproach:
    """
    Grasp-approach ("poke") settings.

    ``keypoint``: object keypoint name to approach; ``activation_radius`` (m): the term
    fades in linearly as the tool gets closer than this to the keypoint; ``open_fraction``:
    the gripper counts as open when its joint is above lower + fraction * (upper - lower).
    """

    keypoint: str = 'grasp'
    activation_radius: float = 0.15
    open_fraction: float = 0.5


@dataclass(frozen=True)
class Payload:
    """
    A held object as part of the robot (training path, ``torch_payload``).

    ``hold_radius`` (m): an object counts as held when the gripper is closed and its grasp
    keypoint is this close to the tool frame origin. ``support_surfaces``: obstacle names a held
    object may touch (it is put down on them) and may be dropped onto. ``max_drop`` (m,
    ``payload_drop``): the highest fall of the payload's lowest point when it is let go.
    """

    hold_radius: float = 0.03
    support_surfaces: Tuple[str, ...] = ('table',)
    held_in_clearance: bool = False
    max_drop: float = 0.05


@dataclass(frozen=True)
class ConstraintConfig:
    """
    The whole constraint configuration (see module docstring and default.yaml).

    ``path_substeps`` and ``path_rows`` say how a chunk is scored (``executed_path``): on the
    setpoint path a trajectory controller executes, sampled ``path_substeps`` times per row,
    through its first ``path_rows`` rows (0 = every row). ``path_substeps = 1`` with
    ``path_rows = 0`` scores the rows alone.
    """

    geometry_mode: str = 'capsule'
    velocity_scale: float = 1.0
    tool_frame: str = ''
    gripper_joint: str = ''
    capsules_per_link: int = 1
    path_substeps: int = 1
    path_rows: int = 0
    terms: Mapping[str, ConstraintTerm] = field(default_factory=dict)
    include_objects_in_clearance: bool = False
    report_distance: float = 0.3
    workspace: Workspace = field(default_factory=Workspace)
    grasp_approach: GraspApproach = field(default_factory=GraspApproach)
    payload: Payload = field(default_factory=Payload)

    def term(self, name: str) -> ConstraintTerm:
        """Return the settings of constraint ``name``."""
        return self.terms[name]

    @property
    def active(self) -> Tuple[str, ...]:
        """Names of the active constraints, in CONSTRAINT_NAMES order."""
        return tuple(name for name in CONSTRAINT_NAMES if self.terms[name].active)

    def with_active(self, names) -> 'ConstraintConfig':
        """Return a copy where exactly ``names`` are active (unknown names raise)."""
        unknown = set(names) - set(CONSTRAINT_NAMES)
        if unknown:
            raise ConstraintConfigError(
                f'active constraints: unknown {sorted(unknown)} (known: {list(CONSTRAINT_NAMES)})')
        terms = {name: replace(term, active=name in names) for name, term in self.terms.items()}
        return replace(self, terms=terms)

    def with_geometry_mode(self, mode: str) -> 'ConstraintConfig':
        """Return a copy with another geometry mode."""
        _choice(mode, GEOMETRY_MODES, 'geometry_mode')
        return replace(self, geometry_mode=mode)


def _fail(where: str, message: str):
    raise ConstraintConfigError(f'{where}: {message}')


def _number(value, where: str, minimum: float = -math.inf, maximum: float = math.inf,
            strict_minimum: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(where, f'expected a finite number, got {value!r}')
    if value < minimum or (strict_minimum and value == minimum):
        _fail(where, f'must be {">" if strict_minimum else ">="} {minimum}, got {value!r}')
    if value > maximum:
        _fail(where, f'must be <= {maximum}, got {value!r}')
    return float(value)


def _boolean(value, where: str) -> bool:
    if not isinstance(value, bool):
        _fail(where, f'expected true or false, got {value!r}')
    return value


def _choice(value, choices, where: str) -> str:
    if value not in choices:
        _fail(where, f'expected one of {list(choices)}, got {value!r}')
    return value


def _string(value, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f'expected a string, got {value!r}')
    return value


def _vector3(value, where: str) -> Tuple[float, float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        _fail(where, f'expected a list of 3 numbers, got {value!r}')
    return tuple(_number(item, f'{where}[{index}]') for index, item in enumerate(value))


def _mapping(value, where: str, allowed: set) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        _fail(where, f'expected a mapping, got {value!r}')
    unknown = set(value) - allowed
    if unknown:
        _fail(where, f'unknown key(s) {sorted(unknown)} (allowed: {sorted(allowed)})')
    return value


def _term(entry: Mapping, where: str, default_penalty: str,
          default_active: bool = True) -> ConstraintTerm:
    return ConstraintTerm(
        active=_boolean(entry.get('active', default_active), f'{where}.active'),
        margin=_number(entry.get('margin', 0.0), f'{where}.margin', 0.0),
        weight=_number(entry.get('weight', 1.0), f'{where}.weight', 0.0),
        penalty=_choice(entry.get('penalty', default_penalty), PENALTIES, f'{where}.penalty'),
        smooth_width=_number(entry.get('smooth_width', 0.01), f'{where}.smooth_width', 0.0,
                             strict_minimum=True))


def _workspace(entry: Mapping, where: str) -> Workspace:
    box = _mapping(entry.get('box'), f'{where}.box', {'min', 'max'})
    box_min = _vector3(box['min'], f'{where}.box.min') if 'min' in box else None
    box_max = _vector3(box['max'], f'{where}.box.max') if 'max' in box else None
    if (box_min is None) != (box_max is None):
        _fail(f'{where}.box', 'needs both min and max')
    if box_min is not None and any(low >= high for low, high in zip(box_min, box_max,
                                                                    strict=True)):
        _fail(f'{where}.box', f'min must be below max on every axis, got {box_min} / {box_max}')
    planes = entry.get('half_spaces', []) or []
    if not isinstance(planes, list):
        _fail(f'{where}.half_spaces', f'expected a list, got {planes!r}')
    half_spaces = []
    for index, plane in enumerate(planes):
        at = f'{where}.half_spaces[{index}]'
        plane = _mapping(plane, at, {'normal', 'offset'})
        if 'normal' not in plane or 'offset' not in plane:
            _fail(at, 'needs normal and offset')
        normal = _vector3(plane['normal'], f'{at}.normal')
        norm = math.sqrt(sum(item * item for item in normal))
        if norm < 1e-9:
            _fail(f'{at}.normal', 'must not be the zero vector')
        half_spaces.append((tuple(item / norm for item in normal),
                            _number(plane['offset'], f'{at}.offset') / norm))
    return Workspace(box_min, box_max, tuple(half_spaces))


def _grasp(entry: Mapping, where: str) -> GraspApproach:
    return GraspApproach(
        keypoint=_string(entry.get('keypoint', 'grasp'), f'{where}.keypoint'),
        activation_radius=_number(entry.get('activation_radius', 0.15),
                                  f'{where}.activation_radius', 0.0, strict_minimum=True),
        open_fraction=_number(entry.get('open_fraction', 0.5), f'{where}.open_fraction',
                              0.0, 1.0))


def config_from_dict(data: Optional[Mapping], source: str = 'constraints config'
                     ) -> ConstraintConfig:
    """Validate parsed YAML and return the configuration; ``source`` prefixes error messages."""
    data = _mapping(data, source, _TOP_KEYS)
    penalty = _choice(data.get('penalty', 'hinge'), PENALTIES, f'{source}.penalty')
    sections = _mapping(data.get('constraints'), f'{source}.constraints', set(CONSTRAINT_NAMES))
    terms, extras = {}, {}
    for name in CONSTRAINT_NAMES:
        where = f'{source}.constraints.{name}'
        entry = _mapping(sections.get(name), where, _TERM_KEYS | _EXTRA_KEYS.get(name, set()))
        terms[name] = _term(entry, where, penalty, default_active=name not in OPT_IN)
        extras[name] = entry
    clearance = extras['clearance']
    return ConstraintConfig(
        geometry_mode=_choice(data.get('geometry_mode', 'capsule'), GEOMETRY_MODES,
                              f'{source}.geometry_mode'),
        velocity_scale=_number(data.get('velocity_scale', 1.0), f'{source}.velocity_scale',
                               0.0, 1.0, strict_minimum=True),
        tool_frame=_string(data.get('tool_frame', ''), f'{source}.tool_frame'),
        gripper_joint=_string(data.get('gripper_joint', ''), f'{source}.gripper_joint'),
        capsules_per_link=int(_number(data.get('capsules_per_link', 1),
                                      f'{source}.capsules_per_link', 1, 8)),
        path_substeps=_whole(data.get('path_substeps', 1), f'{source}.path_substeps', 1, 100),
        path_rows=_whole(data.get('path_rows', 0), f'{source}.path_rows', 0, 10000),
        terms=terms,
        include_objects_in_clearance=_boolean(clearance.get('include_objects', False),
                                              f'{source}.constraints.clearance.include_objects'),
        report_distance=_number(clearance.get('report_distance', 0.3),
                                f'{source}.constraints.clearance.report_distance', 0.0),
        workspace=_workspace(extras['workspace'], f'{source}.constraints.workspace'),
        grasp_approach=_grasp(extras['grasp_approach'], f'{source}.constraints.grasp_approach'),
        payload=_payload(data.get('payload'), clearance, extras['payload_drop'], source))


def _payload(entry, clearance: Mapping, drop: Mapping, source: str) -> Payload:
    where = f'{source}.payload'
    entry = _mapping(entry, where, {'hold_radius', 'support_surfaces'})
    surfaces = entry.get('support_surfaces', ['table'])
    if not isinstance(surfaces, (list, tuple)):
        _fail(f'{where}.support_surfaces', f'expected a list of obstacle names, got {surfaces!r}')
    return Payload(
        hold_radius=_number(entry.get('hold_radius', 0.03), f'{where}.hold_radius', 0.0,
                            strict_minimum=True),
        support_surfaces=tuple(_string(name, f'{where}.support_surfaces') for name in surfaces),
        held_in_clearance=_boolean(clearance.get('held_objects', False),
                                   f'{source}.constraints.clearance.held_objects'),
        max_drop=_number(drop.get('max_drop', 0.05), f'{source}.constraints.payload_drop.max_drop',
                         0.0))


def _whole(value, where: str, minimum: int, maximum: int) -> int:
    """Return ``value`` as an int in [minimum, maximum] (a whole number; bools refused)."""
    number = _number(value, where, minimum, maximum)
    if number != int(number):
        raise ConstraintConfigError(f'{where}: must be a whole number, got {value!r}')
    return int(number)


def config_from_yaml_text(text: str, source: str = 'constraints config') -> ConstraintConfig:
    """Parse and validate a configuration given as YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConstraintConfigError(f'{source}: not valid YAML: {error}') from error
    return config_from_dict(data, source)


def load_constraint_config(path) -> ConstraintConfig:
    """Read and validate a constraint YAML file (path, ``file://`` or ``package://`` URI)."""
    path, data = _read_document(str(path), ())
    return config_from_dict(data, str(path))


def _read_document(location: str, including: tuple) -> tuple:
    """Return (path, parsed YAML) of ``location`` with its ``extends`` chain applied."""
    from pact_world.core.robot_assets import resolve_uri, RobotAssetError
    try:
        path = resolve_uri(location)
        text = path.read_text(encoding='utf-8')
    except (OSError, RobotAssetError) as error:
        raise ConstraintConfigError(f'cannot read constraint config {location}: {error}'
                                    ) from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConstraintConfigError(f'{path}: not valid YAML: {error}') from error
    if not isinstance(data, Mapping) or 'extends' not in data:
        return path, data
    data = dict(data)
    base = data.pop('extends')
    if not isinstance(base, str) or not base:
        _fail(f'{path}.extends', f'expected the file this one overrides, got {base!r}')
    if path.resolve() in including:
        _fail(f'{path}.extends', f'extends itself through {[str(item) for item in including]}')
    location = base if '://' in base else str(path.parent / base)
    _, base_data = _read_document(location, including + (path.resolve(),))
    return path, _merge(base_data or {}, data)


def _merge(base: Mapping, overlay: Mapping) -> dict:
    """Return ``base`` with ``overlay``'s keys on top (mappings merged key by key)."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def default_config_path() -> pathlib.Path:
    """Return the bundled ``default.yaml`` (installed share folder, else the source tree)."""
    here = pathlib.Path(__file__).resolve()
    candidates = [parent / 'share' / 'pact_constraints' / 'config' / 'constraints'
                  for parent in here.parents]
    candidates += [parent / 'config' / 'constraints' for parent in here.parents]
    for folder in candidates:
        if (folder / 'default.yaml').is_file():
            return folder / 'default.yaml'
    raise ConstraintConfigError('default constraint config not found (config/constraints/'
                                'default.yaml in the install share folder or the source tree)')


def default_config() -> ConstraintConfig:
    """Return the bundled default configuration."""
    return load_constraint_config(default_config_path())
