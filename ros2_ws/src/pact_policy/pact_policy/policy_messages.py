# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Message helpers of the policy node (durations, trajectories, PolicySteps, history names)."""

from builtin_interfaces.msg import Duration
from pact_msgs.msg import PolicyStep

# The naming rule lives in the ROS-free core; re-exported for the node layer.
from pact_policy.core.naming import history_names, logged_history_names  # noqa: F401
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint


def seconds_to_duration(seconds: float) -> Duration:
    """Return a builtin Duration for ``seconds`` ≥ 0."""
    whole = int(seconds)
    return Duration(sec=whole, nanosec=int(round((seconds - whole) * 1e9)))


def joint_trajectory(joint_names, rows, dt: float, stamp) -> JointTrajectory:
    """Return a JointTrajectory of ``rows`` (positions, rad or m), the k-th at (k + 1)·dt s."""
    trajectory = JointTrajectory(joint_names=list(joint_names))
    trajectory.header.stamp = stamp
    for index, row in enumerate(rows):
        trajectory.points.append(JointTrajectoryPoint(
            positions=[float(value) for value in row],
            time_from_start=seconds_to_duration((index + 1) * dt)))
    return trajectory


def policy_step(config, action_names, version: str, observation, chunk, rows, latency: float,
                image=None) -> PolicyStep:
    """
    Return the PolicyStep of one command (header, episode and scene version left to the caller).

    ``config`` is the running PolicyConfig, ``observation`` the flattened history the chunk
    was sampled on, ``chunk`` the (H, D) sample, ``rows`` the (n, D) command sent, ``latency``
    the inference time (s) and ``image`` the sensor_msgs/Image used (None without a camera).
    """
    step = PolicyStep(model_version=version, action_horizon=chunk.shape[0],
                      action_dim=chunk.shape[1], action_names=list(action_names),
                      action_dt=config.action_dt, command_horizon=len(rows),
                      inference_latency=latency)
    step.observation_names = history_names(config.observation_names, config.n_obs_steps,
                                           config.obs_dim)
    step.observation = [float(v) for v in observation]
    if image is not None:
        step.has_image, step.image = True, image
    step.action_chunk = [float(v) for v in chunk.reshape(-1)]
    step.command = [float(value) for row in rows for value in row]
    return step
