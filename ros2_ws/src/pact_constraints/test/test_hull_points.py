# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Hull-point clearance (``geometry_mode: convex`` in torch) against coal's GJK on the hulls."""

from dataclasses import replace

import numpy as np
from pact_constraints.core import link_geometry
from pact_constraints.core.distance import DistanceQuery
from pact_constraints.core.scene_geometry import scene_bodies
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_constraints.core.torch_hull_points import DEFAULT_SPACING
import pytest
from test_torch_costs import CONFIG, random_chunk, SCENE
import torch
import trimesh

CONVEX = replace(CONFIG, geometry_mode='convex')
# Farthest a hull surface point can be from the nearest returned point (link_geometry).
COVERING_RADIUS = DEFAULT_SPACING / np.sqrt(3.0)


def link_hull(panda, link='panda_hand'):
    return trimesh.convex.convex_hull(panda.link_vertices()[link][1])


def test_hull_surface_points_lie_on_the_hull_and_cover_it(panda):
    hull = link_hull(panda)
    points = link_geometry.hull_surface_points(hull.vertices, DEFAULT_SPACING)
    # On the surface: inside every face plane, on one of them (to rounding, 1e-9 m).
    heights = points @ hull.face_normals.T - (hull.face_normals * hull.triangles[:, 0]).sum(1)
    assert heights.max() < 1e-9
    assert np.abs(heights.max(axis=1)).max() < 1e-9
    # Covering: trimesh's own surface samples are all within the covering radius.
    samples, _ = trimesh.sample.sample_surface(hull, 4000, seed=0)
    gaps = np.linalg.norm(samples[:, None] - points[None], axis=-1).min(axis=1)
    assert gaps.max() <= COVERING_RADIUS + 1e-12
    assert len(np.unique(np.round(points, 9), axis=0)) == len(points)


def test_cluster_points_partition_the_points():
    points = np.random.default_rng(0).normal(size=(1000, 3))
    clusters = link_geometry.cluster_points(points, 32)
    assert max(len(c) for c in clusters) <= 32
    assert np.array_equal(np.sort(np.concatenate(clusters)), np.arange(1000))
    with pytest.raises(ValueError, match='cluster size'):
        link_geometry.cluster_points(points, 0)
    with pytest.raises(ValueError, match='spacing'):
        link_geometry.hull_surface_points(points, 0.0)


@pytest.fixture(scope='module')
def coal_hulls(panda):
    """Return coal distance queries of the Panda's link hulls against SCENE."""
    return DistanceQuery(panda, 'convex', scene_bodies(SCENE))


def pair_distances_coal(query, positions):
    """Return {(link, obstacle): signed distance} from coal on the same link hulls."""
    query.place(positions)
    return {(pair.robot_link, pair.other_name): pair.distance
            for pair in query.scene_distances(np.inf)}


def test_link_distances_match_coal_on_every_obstacle_type(panda, coal_hulls):
    """
    Per link and obstacle (box, half-space, cylinder, sphere, capsule), float64.

    The points are on the hull, so they are never closer than coal's GJK/EPA (1e-9 tolerance;
    1e-7 allowed): separated, because every point is on the hull; in penetration, because
    moving the hull out by the penetration depth moves each point by at most that depth. They
    are at most the covering radius farther than the hull, and a hull whose surface crosses an
    obstacle has a point within the covering radius of the crossing (value <= radius).
    """
    costs = TorchConstraintCosts(panda, SCENE, CONVEX, dtype=torch.float64)
    hull_points = costs.hull_points
    rng = np.random.default_rng(1)
    compared = penetrating = 0
    for _ in range(25):
        current, _ = random_chunk(panda, rng, horizon=1)
        reference = pair_distances_coal(coal_hulls, current)
        rotations, translations = costs.kinematics.joint_poses(
            torch.as_tensor(current[None], dtype=torch.float64))
        ours = hull_points.link_distances(rotations, translations, costs.obstacles, 1)[0]
        for (link, obstacle), distance in reference.items():
            if link not in hull_points.links:
                continue          # the fixed base: not part of the moving links
            value = float(ours[hull_points.links.index(link),
                               costs.obstacles.names.index(obstacle)])
            assert distance - 1e-7 <= value <= max(distance, 0.0) + COVERING_RADIUS
            penetrating += distance < 0 and value < 0
            compared += 1
    assert compared > 200 and penetrating > 5


def test_skipping_far_clusters_changes_neither_costs_nor_gradients(panda):
    """
    Only triples provably beyond the margin are skipped, so both paths select the same point.

    The two runs do the same float64 operations on each evaluated point; 1e-12 allows for a
    different summation order only.
    """
    rng = np.random.default_rng(2)
    batch = [random_chunk(panda, rng, horizon=3) for _ in range(6)]
    current = torch.as_tensor(np.array([c for c, _ in batch]))
    results = []
    for exact_far in (True, False):
        costs = TorchConstraintCosts(panda, SCENE, CONVEX, dtype=torch.float64,
                                     exact_far_clearance=exact_far)
        chunk = torch.as_tensor(np.array([c for _, c in batch]), dtype=torch.float64)
        chunk.requires_grad_(True)
        value = costs(chunk, current).costs['clearance']
        value.sum().backward()
        results.append((value.detach(), chunk.grad))
    assert results[0][0].sum() > 0       # the margin (0.15 m) makes some pairs count
    torch.testing.assert_close(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(results[0][1], results[1][1], rtol=1e-12, atol=1e-12)


def test_clearance_gradient_matches_finite_differences(panda):
    """Central differences (h = 1e-6 rad) of the convex clearance cost, float64."""
    costs = TorchConstraintCosts(panda, SCENE, CONVEX, dtype=torch.float64,
                                 exact_far_clearance=False)
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(6):
        current, chunk = random_chunk(panda, rng, horizon=1)
        start = torch.as_tensor(current[None])
        rows = torch.as_tensor(chunk[None]).requires_grad_(True)
        value = costs(rows, start).costs['clearance']
        if float(value.detach()) <= 0:
            continue
        value.sum().backward()
        numeric = np.zeros_like(chunk)
        for index in np.ndindex(*chunk.shape):
            shifted = [chunk.copy(), chunk.copy()]
            shifted[0][index] += 1e-6
            shifted[1][index] -= 1e-6
            up, down = (float(costs(torch.as_tensor(s[None]), start).costs['clearance'])
                        for s in shifted)
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(rows.grad[0].numpy(), numeric, rtol=1e-4, atol=1e-6)
        checked += 1
        if checked == 3:
            return
    pytest.fail(f'only {checked} of 6 chunks had clearance cost')


def test_convex_mode_does_not_charge_the_capsules_padding(panda, coal_hulls):
    """Configurations where a capsule touches an obstacle but the hull (coal) does not."""
    hinge = replace(CONVEX, terms={**CONVEX.terms, 'clearance': replace(
        CONVEX.term('clearance'), margin=0.0, penalty='hinge')})
    convex = TorchConstraintCosts(panda, SCENE, hinge, dtype=torch.float64)
    capsule = TorchConstraintCosts(panda, SCENE, replace(hinge, geometry_mode='capsule'),
                                   dtype=torch.float64)
    rng = np.random.default_rng(4)
    found = 0
    for _ in range(200):
        current, _ = random_chunk(panda, rng, horizon=1)
        rows = torch.as_tensor(current[None, None])
        start = torch.as_tensor(current[None])
        capsule_cost = float(capsule(rows, start).costs['clearance'])
        convex_out = convex(rows, start)
        hull_distance = min(distance for (link, _), distance in
                            pair_distances_coal(coal_hulls, current).items()
                            if link in convex.hull_points.links)
        if capsule_cost > 0 and hull_distance > 0:
            assert float(convex_out.costs['clearance']) == 0.0
            assert float(convex_out.min_clearance) >= hull_distance - 1e-7
            found += 1
            if found == 3:
                return
    pytest.fail(f'only {found} of 200 configurations had capsule contact without hull contact')
