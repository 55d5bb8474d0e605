# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Keep a running sim node busy: start episode after episode, as ``make demo`` does.

    python -m pact_eval.episode_driver [--params-file config/demo/mujoco_demo.yaml]

For graphs started by something else than ``make demo`` (docker compose's ``sim`` profile, a
launch file): the sim node runs one episode and then waits for ``/sim_node/reset_episode``. This
node waits until the policy node is ACTIVE, then asks for layout seed ``train_first_seed`` of the
overlay's ``mujoco_demo`` section and for the next seed whenever an episode ends on its time
limit, printing every PACT iteration and hot swap. It runs until Ctrl-C or SIGTERM.
"""

import argparse
from pathlib import Path
import signal
import sys

from pact_eval.core.demo_settings import load_settings
from pact_eval.demo_graph import demo_overlay, DemoDriver, raise_keyboard_interrupt
from pact_msgs.msg import PolicyStatus
import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.signals import SignalHandlerOptions
from rich.console import Console


def parse_arguments(argv=None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(prog='episode_driver', description=__doc__.split('\n')[1])
    parser.add_argument('--params-file', type=Path, default=None,
                        help='overlay whose mujoco_demo section gives train_first_seed '
                        '(default: config/demo/mujoco_demo.yaml here, else the installed one)')
    parser.add_argument('--first-seed', type=int, default=None,
                        help='layout seed of the first episode (overrides the overlay)')
    return parser.parse_args(argv)


def first_seed(arguments: argparse.Namespace) -> int:
    """Return the seed of the first episode (flag, else the overlay's ``train_first_seed``)."""
    if arguments.first_seed is not None:
        return arguments.first_seed
    return load_settings(arguments.params_file or demo_overlay()).train_first_seed


def drive(driver: DemoDriver, executor) -> None:
    """Spin until the policy node is active, then start episodes forever."""
    progress = driver.progress
    while not (progress.policy_state == PolicyStatus.STATE_ACTIVE and progress.active_version):
        executor.spin_once(timeout_sec=0.1)
    driver.begin()
    while True:
        executor.spin_once(timeout_sec=0.1)
        if progress.reset_errors:
            driver.log(f'reset_episode failed: {progress.reset_errors.pop()}; retrying')
            driver.start_next_episode()


def main(argv=None) -> int:
    """Entry point (see the module docstring); return 0 on Ctrl-C/SIGTERM, 1 on bad input."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        seed = first_seed(arguments)
    except ValueError as error:
        print(f'episode_driver: {error}', file=sys.stderr)
        return 1
    stop_signals = []

    def stop(number, frame):
        stop_signals.append(number)
        raise_keyboard_interrupt(number, frame)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Python's own handlers only: one Ctrl-C is one KeyboardInterrupt, not a second one
    # (from rclpy's handler) landing in the shutdown below
    rclpy.init(args=[], signal_handler_options=SignalHandlerOptions.NO)
    driver = DemoDriver(seed, log=Console().print)
    executor = SingleThreadedExecutor()
    executor.add_node(driver)
    try:
        drive(driver, executor)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except RuntimeError:
        # A KeyboardInterrupt raised inside rclpy's C++ message take surfaces as pybind11's
        # "Unable to convert call argument" RuntimeError: still the requested stop.
        if not stop_signals:
            raise
    finally:
        executor.shutdown()
        driver.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
