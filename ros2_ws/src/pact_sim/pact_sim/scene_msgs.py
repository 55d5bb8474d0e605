# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Convert ``pact_constraints.core.scene.Scene`` into a ``pact_msgs/Scene`` message."""

from geometry_msgs.msg import Point, Pose as PoseMsg, Vector3
from pact_constraints.core.scene import Obstacle, Scene, Shape, TrackedObject
from pact_constraints.core.spatial import Pose
from pact_msgs.msg import Obstacle as ObstacleMsg, Scene as SceneMsg
from pact_msgs.msg import TrackedObject as TrackedObjectMsg
from shape_msgs.msg import SolidPrimitive


def pose_to_msg(pose: Pose) -> PoseMsg:
    """Return a geometry_msgs/Pose (m, unit quaternion)."""
    message = PoseMsg()
    message.position.x, message.position.y, message.position.z = map(float, pose.position)
    (message.orientation.x, message.orientation.y, message.orientation.z,
     message.orientation.w) = map(float, pose.quaternion_xyzw)
    return message


def primitive_to_msg(shape: Shape) -> SolidPrimitive:
    """Return the shape_msgs/SolidPrimitive of a box, sphere or cylinder (m)."""
    primitive = SolidPrimitive()
    if shape.type == 'box':
        primitive.type = SolidPrimitive.BOX
        primitive.dimensions = [float(v) for v in shape.size]
    elif shape.type == 'sphere':
        primitive.type = SolidPrimitive.SPHERE
        primitive.dimensions = [float(shape.radius)]
    elif shape.type == 'cylinder':
        primitive.type = SolidPrimitive.CYLINDER
        primitive.dimensions = [float(shape.length), float(shape.radius)]
    else:
        raise ValueError(f'shape type {shape.type!r} is not a SolidPrimitive')
    return primitive


def obstacle_to_msg(obstacle: Obstacle) -> ObstacleMsg:
    """Return the pact_msgs/Obstacle of a scene obstacle."""
    message = ObstacleMsg(name=obstacle.name, pose=pose_to_msg(obstacle.pose))
    shape = obstacle.shape
    if shape.type == 'capsule':
        message.shape = ObstacleMsg.SHAPE_CAPSULE
        message.capsule_radius, message.capsule_length = float(shape.radius), float(shape.length)
    elif shape.type == 'half_space':
        message.shape = ObstacleMsg.SHAPE_HALF_SPACE
        message.plane.coef = [float(v) for v in shape.normal] + [-float(shape.offset)]
    elif shape.type == 'mesh':
        message.shape = ObstacleMsg.SHAPE_MESH
        message.mesh_uri = shape.uri
        message.mesh_scale = Vector3(x=shape.scale[0], y=shape.scale[1], z=shape.scale[2])
    else:
        message.shape = ObstacleMsg.SHAPE_PRIMITIVE
        message.primitive = primitive_to_msg(shape)
    return message


def object_to_msg(tracked: TrackedObject) -> TrackedObjectMsg:
    """Return the pact_msgs/TrackedObject of a scene object (keypoints in the object frame)."""
    x, y, z = tracked.dimensions
    names = sorted(tracked.keypoints)
    return TrackedObjectMsg(
        name=tracked.name, pose=pose_to_msg(tracked.pose),
        dimensions=Vector3(x=float(x), y=float(y), z=float(z)),
        shape=primitive_to_msg(tracked.shape), keypoint_names=names,
        keypoints=[Point(x=float(p[0]), y=float(p[1]), z=float(p[2]))
                   for p in (tracked.keypoints[n] for n in names)])


def scene_to_msg(scene: Scene, stamp) -> SceneMsg:
    """Return the pact_msgs/Scene of ``scene`` stamped ``stamp`` (builtin_interfaces/Time)."""
    message = SceneMsg(version=int(scene.version))
    message.header.stamp = stamp
    message.header.frame_id = scene.frame
    message.obstacles = [obstacle_to_msg(obstacle) for obstacle in scene.obstacles]
    message.objects = [object_to_msg(tracked) for tracked in scene.objects]
    return message
