# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Build the MuJoCo world from one robot description (URDF + SRDF) and one ``Scene``.

The same URDF/SRDF and scene YAML feed the constraint node, so the simulator and the constraints
see the same world. Frames: the robot root sits at the scene frame origin (``world``); all scene
poses are in that frame; lengths in metres, angles in radians.

What gets built:

- robot bodies from the URDF (collision geometry only, gravity compensated like a torque-
  controlled arm's controller does), SRDF-disabled link pairs excluded from contact;
- one position actuator per arm joint (``kp = gain_per_effort * effort`` N m/rad, damping for a
  given ratio, force limited to the URDF effort) and, when the robot has a gripper, ONE position
  actuator on the gripper leader joint (opening of one finger, m); joints that ``<mimic>`` it are
  coupled by a joint equality constraint;
- every obstacle as a static body (box, sphere, cylinder, capsule, half-space plane, mesh) and
  every tracked object as a free body (``freejoint``) with density-derived mass;
- a ``tool`` site at the tool frame, a visual-only floor and lights for rendering.

The physics step is fixed (default 2 ms); the control period (default 0.1 s, one policy row) must
be a whole number of physics steps.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import mujoco
import numpy as np

from pact_sim.core.robot_loader import home_vector, load_robot_spec, RobotDescription
from pact_world.core import robot_assets
from pact_world.core.scene import Obstacle, Scene, Shape, TrackedObject
from pact_world.core.spatial import quaternion_taking_z_to

ROBOT_RGBA = (0.85, 0.85, 0.88, 1.0)
OBSTACLE_RGBA = (0.55, 0.42, 0.30, 1.0)
OBJECT_RGBA = (0.15, 0.40, 0.85, 1.0)   # blue: red is reserved for violations


@dataclass(frozen=True)
class RobotConfig:
    """
    Which robot to simulate and how its joint controllers behave.

    ``gripper_joint``: ``'auto'`` picks the joint other joints ``<mimic>`` (Panda:
    ``panda_finger_joint1``), ``None`` means no gripper. ``tool_frame``: URDF link of the tool
    centre point. Gains: arm ``kp = gain_per_effort * effort`` (1/rad), ``kv = kv_per_kp * kp``
    (s). ``velocity_feedforward``: ``SimEnv`` adds the reference velocity to the position loop as
    a joint trajectory controller does (see ``sim_env``); off, a ramp lags by ``kv_per_kp`` s.
    """

    urdf_uri: str = robot_assets.PANDA_URDF
    srdf_uri: Optional[str] = robot_assets.PANDA_SRDF
    tool_frame: str = 'panda_hand_tcp'
    gripper_joint: Optional[str] = 'auto'
    gain_per_effort: float = 50.0
    kv_per_kp: float = 0.06
    armature: float = 0.1
    joint_damping: float = 1.0
    gripper_kp: float = 1500.0
    gripper_force: float = 70.0
    finger_armature: float = 0.05
    gravity_compensation: bool = True
    velocity_feedforward: bool = True


@dataclass(frozen=True)
class PhysicsConfig:
    """Physics step (s), control period (s, one action row) and contact/material settings."""

    timestep: float = 0.002
    control_dt: float = 0.1
    object_density: float = 400.0
    object_friction: Tuple[float, float, float] = (1.0, 0.01, 0.0002)
    finger_friction: Tuple[float, float, float] = (1.5, 0.01, 0.0002)
    impratio: float = 10.0
    floor_z: float = -0.7

    @property
    def substeps(self) -> int:
        """Physics steps per control period."""
        steps = self.control_dt / self.timestep
        if self.timestep <= 0 or steps < 1 or abs(steps - round(steps)) > 1e-6:
            raise ValueError(f'control_dt {self.control_dt} s must be a positive whole multiple '
                             f'of the physics timestep {self.timestep} s')
        return int(round(steps))


@dataclass
class SimModel:
    """A compiled world and the index maps everything else uses (names, not indices)."""

    model: mujoco.MjModel
    scene: Scene
    robot: RobotConfig
    physics: PhysicsConfig
    description: RobotDescription
    arm_joints: Tuple[str, ...]
    gripper_joint: Optional[str]
    action_names: Tuple[str, ...]
    action_qpos_adr: np.ndarray
    action_dof_adr: np.ndarray
    action_low: np.ndarray
    action_high: np.ndarray
    home: np.ndarray
    tool_site: int
    robot_bodies: frozenset
    robot_geoms: frozenset
    finger_geoms: frozenset
    obstacle_geoms: Dict[str, int] = field(default_factory=dict)
    object_bodies: Dict[str, int] = field(default_factory=dict)
    object_geoms: Dict[str, int] = field(default_factory=dict)
    object_qpos_adr: Dict[str, int] = field(default_factory=dict)
    object_dof_adr: Dict[str, int] = field(default_factory=dict)

    @property
    def action_dim(self) -> int:
        """Return the number of entries of one action row (arm joints + gripper)."""
        return len(self.action_names)


def _quat_wxyz(pose) -> np.ndarray:
    x, y, z, w = pose.quaternion_xyzw
    return np.array([w, x, y, z])


def _set_geom_shape(spec: mujoco.MjSpec, geom, shape: Shape, name: str):
    """Write the MuJoCo type/size of ``shape`` into ``geom`` (sizes are half extents)."""
    if shape.type == 'box':
        geom.type = mujoco.mjtGeom.mjGEOM_BOX
        geom.size = 0.5 * np.asarray(shape.size)
    elif shape.type == 'sphere':
        geom.type = mujoco.mjtGeom.mjGEOM_SPHERE
        geom.size = [shape.radius, 0, 0]
    elif shape.type in ('cylinder', 'capsule'):
        geom.type = (mujoco.mjtGeom.mjGEOM_CYLINDER if shape.type == 'cylinder'
                     else mujoco.mjtGeom.mjGEOM_CAPSULE)
        geom.size = [shape.radius, 0.5 * shape.length, 0]
    elif shape.type == 'half_space':
        geom.type = mujoco.mjtGeom.mjGEOM_PLANE
        geom.size = [0, 0, 0.05]
    elif shape.type == 'mesh':
        mesh = spec.add_mesh(name=f'{name}_mesh', file=str(robot_assets.resolve_uri(shape.uri)))
        mesh.scale = list(shape.scale)
        geom.type = mujoco.mjtGeom.mjGEOM_MESH
        geom.meshname = mesh.name
    else:
        raise ValueError(f'{name}: shape type {shape.type!r} is not supported')


def add_obstacle(spec: mujoco.MjSpec, obstacle: Obstacle):
    """Add ``obstacle`` as a static body named like it (geom of the same name)."""
    body = spec.worldbody.add_body(name=obstacle.name)
    if obstacle.shape.type == 'half_space':
        body.pos = np.asarray(obstacle.shape.normal) * obstacle.shape.offset
        x, y, z, w = quaternion_taking_z_to(obstacle.shape.normal)
        body.quat = [w, x, y, z]
    else:
        body.pos = obstacle.pose.position
        body.quat = _quat_wxyz(obstacle.pose)
    geom = body.add_geom(name=obstacle.name, rgba=OBSTACLE_RGBA)
    _set_geom_shape(spec, geom, obstacle.shape, obstacle.name)


def add_object(spec: mujoco.MjSpec, tracked: TrackedObject, physics: PhysicsConfig):
    """Add ``tracked`` as a free body (joint ``<name>_free``) with density-derived mass."""
    body = spec.worldbody.add_body(name=tracked.name, pos=tracked.pose.position,
                                   quat=_quat_wxyz(tracked.pose))
    body.add_freejoint(name=f'{tracked.name}_free')
    geom = body.add_geom(name=tracked.name, rgba=OBJECT_RGBA, density=physics.object_density,
                         friction=list(physics.object_friction), condim=4)
    _set_geom_shape(spec, geom, tracked.shape, tracked.name)


def _pick_gripper(config: RobotConfig, description: RobotDescription) -> Optional[str]:
    if config.gripper_joint != 'auto':
        if config.gripper_joint is not None and \
                config.gripper_joint not in description.movable_joints:
            raise ValueError(f'gripper_joint {config.gripper_joint!r} is not a movable joint of '
                             f'{description.name} ({description.movable_joints})')
        return config.gripper_joint
    leaders = [leader for leader, _, _ in description.mimic.values()]
    return leaders[0] if leaders else None


def _add_actuators(spec: mujoco.MjSpec, config: RobotConfig, description: RobotDescription,
                   arm_joints, gripper: Optional[str]):
    joints = {joint.name: joint for joint in spec.joints}
    for name in arm_joints:
        joints[name].armature = config.armature
        joints[name].damping = config.joint_damping
        effort = description.joint_effort.get(name) or 100.0
        _add_position_actuator(spec, name, config.gain_per_effort * effort,
                               config.kv_per_kp * config.gain_per_effort * effort, effort,
                               joints[name].range)
    if gripper is not None:
        for name in (gripper,) + tuple(description.mimic):
            joints[name].armature = config.finger_armature
        _add_position_actuator(spec, gripper, config.gripper_kp, 0.05 * config.gripper_kp,
                               config.gripper_force, joints[gripper].range)
    for follower, (leader, multiplier, offset) in description.mimic.items():
        equality = spec.add_equality(type=mujoco.mjtEq.mjEQ_JOINT, name1=follower,
                                     name2=leader, data=[offset, multiplier] + [0] * 9)
        equality.solref = [0.004, 1.0]
        equality.solimp = [0.95, 0.99, 0.001, 0.5, 2.0]


def _add_position_actuator(spec, joint_name: str, kp: float, kv: float, force: float,
                           joint_range):
    actuator = spec.add_actuator(name=joint_name, target=joint_name,
                                 trntype=mujoco.mjtTrn.mjTRN_JOINT)
    actuator.gainprm[0] = kp
    actuator.biastype = mujoco.mjtBias.mjBIAS_AFFINE
    actuator.biasprm[:3] = [0.0, -kp, -kv]
    actuator.ctrlrange = list(joint_range)
    actuator.ctrllimited = True
    actuator.forcerange = [-force, force]
    actuator.forcelimited = True


def _add_decor(spec: mujoco.MjSpec, physics: PhysicsConfig):
    spec.add_texture(name='sky', type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
                     builtin=mujoco.mjtBuiltin.mjBUILTIN_GRADIENT, rgb1=[0.88, 0.90, 0.94],
                     rgb2=[0.60, 0.64, 0.70], width=128, height=128)
    spec.worldbody.add_geom(name='visual_floor', type=mujoco.mjtGeom.mjGEOM_PLANE,
                            size=[3, 3, 0.1], pos=[0, 0, physics.floor_z],
                            rgba=[0.32, 0.36, 0.40, 1], contype=0, conaffinity=0, group=2)
    spec.worldbody.add_light(name='key_light', pos=[0.6, -0.6, 2.0], dir=[-0.2, 0.3, -1.0],
                             diffuse=[0.7, 0.7, 0.7])
    spec.worldbody.add_light(name='fill_light', pos=[-0.6, 0.8, 1.5], dir=[0.4, -0.5, -1.0],
                             diffuse=[0.35, 0.35, 0.35])


def _configure_robot_bodies(spec: mujoco.MjSpec, config: RobotConfig, root_link: str):
    robot_body_names = []

    def visit(body):
        robot_body_names.append(body.name)
        if config.gravity_compensation:
            body.gravcomp = 1.0
        for geom in body.geoms:
            geom.rgba = ROBOT_RGBA
        for child in body.bodies:
            visit(child)

    visit(spec.body(root_link))
    return robot_body_names


def build_spec(scene: Scene, robot: RobotConfig = RobotConfig(),
               physics: PhysicsConfig = PhysicsConfig()):
    """Return the uncompiled ``MjSpec`` of robot + scene and the robot description."""
    spec, description = load_robot_spec(robot.urdf_uri, robot.srdf_uri)
    spec.option.timestep = physics.timestep
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    spec.option.impratio = physics.impratio
    if spec.body(robot.tool_frame) is None:
        raise ValueError(f'tool_frame {robot.tool_frame!r} is not a link of {description.name}')
    spec.body(robot.tool_frame).add_site(name='tool', size=[0.005, 0, 0], rgba=[0, 1, 0, 1])
    _configure_robot_bodies(spec, robot, description.root_link)
    bodies = {body.name for body in spec.bodies}
    for first, second in description.disabled_pairs:
        if first in bodies and second in bodies:
            spec.add_exclude(bodyname1=first, bodyname2=second)
    gripper = _pick_gripper(robot, description)
    arm = [name for name in description.movable_joints
           if name != gripper and name not in description.mimic]
    _add_actuators(spec, robot, description, arm, gripper)
    for obstacle in scene.obstacles:
        add_obstacle(spec, obstacle)
    for tracked in scene.objects:
        add_object(spec, tracked, physics)
    _add_decor(spec, physics)
    # The URDF's visual meshes were dropped when it was parsed; keep the decor (visual floor,
    # skybox), which a final discardvisual pass would strip as well.
    spec.compiler.discardvisual = False
    return spec, description, arm, gripper


def build_sim_model(scene: Scene, robot: RobotConfig = RobotConfig(),
                    physics: PhysicsConfig = PhysicsConfig()) -> SimModel:
    """Compile robot + scene into a ``SimModel`` (see the module docstring)."""
    if physics.substeps < 1:  # validates control_dt against the timestep
        raise ValueError('control_dt must cover at least one physics step')
    spec, description, arm, gripper = build_spec(scene, robot, physics)
    for geom in spec.geoms:
        if geom.parent.name in (robot.tool_frame,) or 'finger' in geom.parent.name:
            geom.friction = list(physics.finger_friction)
    model = spec.compile()
    robot_bodies = _subtree(model, model.body(description.root_link).id)
    names = tuple(arm) + ((gripper,) if gripper else ())
    joint_ids = [model.joint(name).id for name in names]
    ranges = model.jnt_range[joint_ids].copy()
    robot_geoms = frozenset(g for g in range(model.ngeom) if model.geom_bodyid[g] in robot_bodies)
    finger_bodies = {b for b in robot_bodies if 'finger' in model.body(b).name}
    return SimModel(
        model=model, scene=scene, robot=robot, physics=physics, description=description,
        arm_joints=tuple(arm), gripper_joint=gripper, action_names=names,
        action_qpos_adr=model.jnt_qposadr[joint_ids].copy(),
        action_dof_adr=model.jnt_dofadr[joint_ids].copy(),
        action_low=ranges[:, 0].copy(), action_high=ranges[:, 1].copy(),
        home=np.clip(home_vector(description, list(names), ranges), ranges[:, 0], ranges[:, 1]),
        tool_site=model.site('tool').id, robot_bodies=frozenset(robot_bodies),
        robot_geoms=robot_geoms,
        finger_geoms=frozenset(g for g in robot_geoms if model.geom_bodyid[g] in finger_bodies),
        obstacle_geoms={o.name: model.geom(o.name).id for o in scene.obstacles},
        object_bodies={o.name: model.body(o.name).id for o in scene.objects},
        object_geoms={o.name: model.geom(o.name).id for o in scene.objects},
        object_qpos_adr={o.name: _free_joint_address(model, o.name, model.jnt_qposadr)
                         for o in scene.objects},
        object_dof_adr={o.name: _free_joint_address(model, o.name, model.jnt_dofadr)
                        for o in scene.objects})


def _free_joint_address(model: mujoco.MjModel, name: str, addresses) -> int:
    return int(addresses[model.joint(f'{name}_free').id])


def _subtree(model: mujoco.MjModel, root: int) -> set:
    members = {root}
    for body in range(root + 1, model.nbody):
        if model.body_parentid[body] in members:
            members.add(body)
    return members
