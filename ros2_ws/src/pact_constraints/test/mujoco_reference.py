# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Independent geometry reference: the same URDF loaded by MuJoCo (its own FK and distances).

MuJoCo treats a mesh geom as the mesh's convex hull in ``mj_geomDistance``; ``world_mesh``
returns the full triangle mesh placed by MuJoCo's kinematics for non-convex checks.
"""

import pathlib
import re

import mujoco
import numpy as np
from pact_world.core.robot_assets import resolve_uri
import trimesh


class MujocoRobot:
    """A URDF robot in MuJoCo plus extra obstacle geoms added to the world body."""

    def __init__(self, urdf: str, obstacles=()):
        """Load ``urdf`` (collision meshes only) and add ``obstacles`` (dicts for add_geom)."""
        assets = {}
        for uri in set(re.findall(r'filename="(package://[^"]*)"', urdf)):
            if '/collision/' in uri:
                path = resolve_uri(uri)
                assets[path.name] = path.read_bytes()
        urdf = re.sub(r'(<robot name="[^"]*">)', r'\1<mujoco><compiler discardvisual="true" '
                      r'fusestatic="false"/></mujoco>', urdf, count=1)
        spec = mujoco.MjSpec.from_string(urdf, assets=assets)
        self.obstacle_ids = []
        for obstacle in obstacles:
            spec.worldbody.add_geom(**obstacle)
        self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        names = [self.model.geom(i).name for i in range(self.model.ngeom)]
        self.obstacle_ids = [names.index(obstacle['name']) for obstacle in obstacles]
        self.joint_names = [self.model.joint(i).name for i in range(self.model.njnt)]

    def set_positions(self, positions_by_name: dict):
        """Set joint positions by name (rad/m) and run MuJoCo's kinematics."""
        for name, value in positions_by_name.items():
            self.data.qpos[self.model.joint(name).qposadr[0]] = value
        mujoco.mj_kinematics(self.model, self.data)

    def robot_geoms(self):
        """Yield (geom id, body name, mesh file stem or '') of every robot geom."""
        for geom in range(self.model.ngeom):
            body = self.model.body(self.model.geom_bodyid[geom]).name
            if body == 'world':
                continue
            mesh = ''
            if self.model.geom_type[geom] == mujoco.mjtGeom.mjGEOM_MESH:
                mesh = self.model.mesh(self.model.geom_dataid[geom]).name
            yield geom, body, mesh

    def distance(self, geom_a: int, geom_b: int) -> float:
        """Return the signed gap in m that MuJoCo measures between two geoms (meshes as hulls)."""
        fromto = np.zeros(6)
        return float(mujoco.mj_geomDistance(self.model, self.data, geom_a, geom_b, 10.0,
                                            fromto))

    def world_mesh(self, geom: int) -> trimesh.Trimesh:
        """Return the full triangle mesh of a mesh geom in the world frame."""
        mesh_id = self.model.geom_dataid[geom]
        start, count = self.model.mesh_vertadr[mesh_id], self.model.mesh_vertnum[mesh_id]
        face_start, face_count = self.model.mesh_faceadr[mesh_id], self.model.mesh_facenum[mesh_id]
        vertices = self.model.mesh_vert[start:start + count]
        faces = self.model.mesh_face[face_start:face_start + face_count]
        rotation = self.data.geom_xmat[geom].reshape(3, 3)
        world = vertices @ rotation.T + self.data.geom_xpos[geom]
        return trimesh.Trimesh(world, faces, process=False)


def mesh_stem_to_link(robot) -> dict:
    """Return {mesh file stem: link name} from a RobotModel's collision geometry."""
    table = {}
    for obj in robot.collision_model.geometryObjects:
        if obj.meshPath:
            table[pathlib.Path(obj.meshPath).stem] = robot.model.frames[obj.parentFrame].name
    return table
