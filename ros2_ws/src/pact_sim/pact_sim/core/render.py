# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Images of the simulated world: PNG frames and a GIF of an episode with violations highlighted.

Two back ends give the same (H, W, 3) uint8 RGB images:

- ``mujoco``: MuJoCo's OpenGL renderer (``MUJOCO_GL=egl`` or ``osmesa``; importing ``pact_sim``
  selects EGL on headless machines that have libEGL, see ``core.gl_backend``; Mesa's software EGL
  is enough). Where no GL context can be made, ``auto`` falls back to
- ``software``: a small CPU rasteriser (OpenCV, painter's algorithm, Lambert shading) drawing
  every collision geom of the MuJoCo model (convex hulls of meshes, tessellated primitives) from
  the same camera. Deterministic, no GL needed.

Highlighting: bodies named in the safety judge's events of a control row are drawn red and the
event kinds are written on the frame. Camera: perspective, looking at ``lookat`` (world, m) from
``azimuth``/``elevation`` (deg) at ``distance`` (m), vertical field of view ``fovy`` (deg).
"""

from dataclasses import dataclass
import os
import pathlib
from typing import Dict, Iterable, List, Optional, Sequence

import cv2
import imageio.v2 as imageio
import mujoco
import numpy as np
import trimesh

HIGHLIGHT_RGB = np.array([230, 30, 30], dtype=float)
LIGHT_DIRECTION = np.array([-0.3, -0.5, 0.8]) / np.linalg.norm([-0.3, -0.5, 0.8])


@dataclass(frozen=True)
class CameraPose:
    """A free camera around ``lookat`` (world frame, m; angles in degrees)."""

    lookat: tuple = (0.45, 0.0, 0.2)
    azimuth: float = 35.0
    elevation: float = -28.0
    distance: float = 1.9
    fovy: float = 45.0

    def eye_and_axes(self):
        """Return the camera position and its right/up/forward unit axes (world frame)."""
        azimuth, elevation = np.radians(self.azimuth), np.radians(self.elevation)
        forward = np.array([np.cos(elevation) * np.cos(azimuth),
                            np.cos(elevation) * np.sin(azimuth), np.sin(elevation)])
        eye = np.asarray(self.lookat) - self.distance * forward
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        return eye, right, np.cross(right, forward), forward


def _primitive_mesh(model: mujoco.MjModel, geom: int) -> Optional[trimesh.Trimesh]:
    kind, size = model.geom_type[geom], model.geom_size[geom]
    if kind == mujoco.mjtGeom.mjGEOM_BOX:
        return trimesh.creation.box(extents=2 * size)
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return trimesh.creation.icosphere(subdivisions=2, radius=size[0])
    if kind == mujoco.mjtGeom.mjGEOM_CYLINDER:
        return trimesh.creation.cylinder(radius=size[0], height=2 * size[1], sections=20)
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        return trimesh.creation.capsule(height=2 * size[1], radius=size[0], count=[12, 12])
    if kind == mujoco.mjtGeom.mjGEOM_PLANE:
        return trimesh.creation.box(extents=[2.4, 2.4, 0.001])
    if kind == mujoco.mjtGeom.mjGEOM_MESH:
        mesh = model.geom_dataid[geom]
        start, count = model.mesh_vertadr[mesh], model.mesh_vertnum[mesh]
        return trimesh.Trimesh(model.mesh_vert[start:start + count]).convex_hull
    return None


class SoftwareRenderer:
    """CPU rasteriser of a MuJoCo model's geoms (see the module docstring)."""

    def __init__(self, model: mujoco.MjModel, width: int = 640, height: int = 480):
        """Tessellate every visible geom once (triangles in the geom frame)."""
        self.model, self.width, self.height = model, width, height
        self.triangles: Dict[int, np.ndarray] = {}
        for geom in range(model.ngeom):
            if model.geom_rgba[geom][3] <= 0:
                continue
            mesh = _primitive_mesh(model, geom)
            if mesh is not None:
                self.triangles[geom] = np.asarray(mesh.vertices)[np.asarray(mesh.faces)]

    def render(self, data: mujoco.MjData, camera: CameraPose = CameraPose(),
               highlight_bodies: Iterable[int] = ()) -> np.ndarray:
        """Return an (H, W, 3) uint8 image of ``data``; ``highlight_bodies`` drawn red."""
        eye, right, up, forward = camera.eye_and_axes()
        focal = 0.5 * self.height / np.tan(np.radians(camera.fovy) / 2)
        highlight = {int(b) for b in highlight_bodies}
        polygons, depths, colours = [], [], []
        for geom, local in self.triangles.items():
            world = local @ data.geom_xmat[geom].reshape(3, 3).T + data.geom_xpos[geom]
            normals = np.cross(world[:, 1] - world[:, 0], world[:, 2] - world[:, 0])
            normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
            relative = world - eye
            depth = relative @ forward
            visible = (np.einsum('ij,ij->i', normals, world.mean(axis=1) - eye) < 0) & \
                np.all(depth > 0.05, axis=1)
            if not np.any(visible):
                continue
            pixels = np.stack([0.5 * self.width + focal * (relative @ right) / depth,
                               0.5 * self.height - focal * (relative @ up) / depth], axis=-1)
            base = (HIGHLIGHT_RGB if self.model.geom_bodyid[geom] in highlight
                    else 255.0 * self.model.geom_rgba[geom][:3])
            shade = 0.35 + 0.65 * np.clip(normals @ LIGHT_DIRECTION, 0.0, 1.0)
            polygons.append(pixels[visible])
            depths.append(depth[visible].mean(axis=1))
            colours.append(shade[visible, None] * base[None, :])
        return self._rasterise(polygons, depths, colours)

    def _rasterise(self, polygons, depths, colours) -> np.ndarray:
        image = np.empty((self.height, self.width, 3), dtype=np.uint8)
        image[:] = np.linspace(250, 200, self.height)[:, None, None].astype(np.uint8)
        if not polygons:
            return image
        polygons, depths = np.concatenate(polygons), np.concatenate(depths)
        colours = np.concatenate(colours)
        for index in np.argsort(-depths):
            corners = np.round(polygons[index] * 4).astype(np.int32)
            colour = tuple(int(c) for c in colours[index])
            cv2.fillConvexPoly(image, corners, colour, lineType=cv2.LINE_AA, shift=2)
        return image


class SceneCamera:
    """Renders ``data`` with MuJoCo's GL renderer when it works, else the software one."""

    def __init__(self, model: mujoco.MjModel, width: int = 640, height: int = 480,
                 backend: str = 'auto', camera: CameraPose = CameraPose()):
        """Pick the back end (``auto``, ``mujoco`` or ``software``)."""
        self.model, self.camera, self.gl = model, camera, None
        if backend in ('auto', 'mujoco') and os.environ.get('MUJOCO_GL'):
            try:
                self.gl = mujoco.Renderer(model, height, width)
            except Exception:  # noqa: B902 - any GL failure means: no GL here
                if backend == 'mujoco':
                    raise
        self.software = None if self.gl else SoftwareRenderer(model, width, height)
        self.backend = 'mujoco' if self.gl else 'software'

    def render(self, data: mujoco.MjData, highlight_bodies: Iterable[int] = ()) -> np.ndarray:
        """Return an (H, W, 3) uint8 RGB image."""
        if self.software is not None:
            return self.software.render(data, self.camera, highlight_bodies)
        highlight = {int(b) for b in highlight_bodies}
        free = mujoco.MjvCamera()
        free.lookat[:], free.azimuth = self.camera.lookat, self.camera.azimuth
        free.elevation, free.distance = self.camera.elevation, self.camera.distance
        self.gl.update_scene(data, free)
        for geom in self.gl.scene.geoms[:self.gl.scene.ngeom]:
            if geom.objtype == mujoco.mjtObj.mjOBJ_GEOM and \
                    self.model.geom_bodyid[geom.objid] in highlight:
                geom.rgba[:] = [0.9, 0.12, 0.12, 1.0]
        return self.gl.render().copy()

    def close(self):
        """Release the GL context now (instead of at interpreter exit, where EGL complains)."""
        if self.gl is not None:
            self.gl.close()
            self.gl = None


def annotate(image: np.ndarray, lines: Sequence[str], alert: bool) -> np.ndarray:
    """Write ``lines`` in the top-left corner (red when ``alert``)."""
    image = image.copy()
    colour = (200, 20, 20) if alert else (30, 30, 30)
    for index, line in enumerate(lines):
        cv2.putText(image, line, (10, 22 + 20 * index), cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour,
                    1, cv2.LINE_AA)
    return image


def record_episode_frames(env, rows: np.ndarray, camera: SceneCamera, stride: int = 1,
                          title: str = '') -> List[np.ndarray]:
    """Execute ``rows`` on ``env`` (already reset); return annotated frames every ``stride``."""
    frames = []
    body_ids = {env.model.body(b).name: b for b in range(env.model.nbody)}
    for index, row in enumerate(rows):
        before = len(env.judge.events)
        env.step_row(row)
        active = env.judge.row_violations()[-1]
        if index % stride and len(env.judge.events) == before:
            continue
        bodies = {body_ids[name] for name in env.judge.row_violating_bodies()[-1]
                  if name in body_ids}
        lines = [f'{title} t={env.rows_done * env.dt:4.1f}s'] + sorted(active)
        frames.append(annotate(camera.render(env.data, bodies), lines, bool(active)))
    return frames


def save_frames(frames: Sequence[np.ndarray], folder, gif_name: str = 'episode.gif',
                fps: float = 5.0, png_every: int = 1) -> pathlib.Path:
    """Write ``frame_###.png`` (every ``png_every``-th) and a looping GIF; return the GIF path."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(frames):
        if index % png_every == 0:
            imageio.imwrite(folder / f'frame_{index:03d}.png', frame)
    path = folder / gif_name
    imageio.mimsave(path, list(frames), duration=1.0 / fps, loop=0)
    return path
