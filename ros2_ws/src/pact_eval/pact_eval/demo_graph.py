# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
ROS wiring of the MuJoCo demo: the node graph as separate processes, and a node that drives it.

``node_commands`` builds the command line of each node of bring-up ``mujoco`` of the node graph
(config/graph/pact_graph.yaml, the one align_mujoco.launch.py starts): its packaged
``config/<area>/<node>.yaml`` first, the demo overlay (the bring-up's, ``config/demo/
mujoco_demo.yaml``) second, and only the run values the graph lets the node take (checkpoint
path, task, first seed) as ``-p`` arguments, the way launch arguments are passed.
``DemoDriver`` is an rclpy node that watches PolicyStatus, ModelAnnouncement, AlignmentStatus,
PolicyStep and EpisodeEvent, and starts the next episode with a fixed seed
(``sim_node/reset_episode``) whenever one ends.
"""

from dataclasses import dataclass, field
from pathlib import Path
import sys
import time
from typing import Dict, List
from urllib.parse import unquote, urlparse

from pact_eval.process_group import ChildExited, ProcessGroup
from pact_msgs.msg import AlignmentStatus, EpisodeEvent, ModelAnnouncement, PolicyStatus
from pact_msgs.msg import PolicyStep
from pact_msgs.srv import ResetEpisode
from pact_node_runtime.ros_domain import DEMO_DOMAINS, private_domain_environment
from pact_policy.node_graph import command_line, GraphNode, load_graph, NodeGraph
from pact_policy.node_graph import GraphError as NodeGraphError
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)

DEMO_BRINGUP = 'mujoco'  # the bring-up of config/graph/pact_graph.yaml that `make demo` runs


def demo_nodes(graph: NodeGraph = None) -> List[GraphNode]:
    """Return the nodes `make demo` starts, in start order (bring-up ``mujoco`` of the graph)."""
    return (graph or load_graph()).resolve(DEMO_BRINGUP)


def demo_overlay(graph: NodeGraph = None) -> Path:
    """Return the demo overlay: config/demo/... under the working directory, else installed."""
    overlay = (graph or load_graph()).overlay(DEMO_BRINGUP)
    local = Path(overlay.path)
    return local if local.is_file() else overlay.installed()


def packaged_parameters(node: GraphNode) -> Path:
    """Return the installed parameter file of ``node`` (share/<pkg>/config/<area>/<node>.yaml)."""
    path = node.parameter_file.installed()
    if not path.is_file():
        raise FileNotFoundError(f'{path} is missing: rebuild the workspace (make setup)')
    return path


def node_commands(overlay: Path, base_checkpoint: Path, task: str, first_seed: int,
                  graph: NodeGraph = None) -> Dict[str, List[str]]:
    """Return the argv of every node (see the module docstring)."""
    checkpoint = Path(base_checkpoint).resolve()
    run_values = {'task': task, 'seed': first_seed, 'model_path': checkpoint,
                  'base_checkpoint': checkpoint}
    nodes = demo_nodes(graph)
    unused = set(run_values) - {name for node in nodes for name in node.run_parameters}
    if unused:
        raise NodeGraphError(f'no node of bring-up {DEMO_BRINGUP} takes '
                             f'{", ".join(sorted(unused))}')
    # ``__node`` (from the graph) keeps the launch files' names whatever a node calls itself.
    return {node.name: command_line(node, sys.executable,
                                    [packaged_parameters(node), Path(overlay).resolve()],
                                    node.run_values(run_values))
            for node in nodes}


def uri_to_path(uri: str) -> Path:
    """Return the local path of a ``file://`` URI (GraphError for other schemes)."""
    parsed = urlparse(uri)
    if parsed.scheme != 'file':
        raise GraphError(f'the trainer announced {uri!r}: set trainer_node.model_dir in the '
                         'demo overlay so that it writes file:// archives')
    return Path(unquote(parsed.path))


@dataclass
class GraphProgress:
    """What the driver has seen so far (wall seconds since ``started``)."""

    started: float = field(default_factory=time.monotonic)
    policy_state: int = PolicyStatus.STATE_UNCONFIGURED
    active_version: str = ''
    hot_swaps: List[dict] = field(default_factory=list)
    announcements: Dict[str, str] = field(default_factory=dict)  # version -> URI
    iterations: List[dict] = field(default_factory=list)
    env_steps: int = 0           # action rows the policy node commanded
    episodes_started: int = 0    # EpisodeEvent starts seen from the sim node
    episodes_finished: int = 0
    next_seed: int = 0
    reset_errors: List[str] = field(default_factory=list)

    def seconds(self) -> float:
        """Return wall seconds since the graph started."""
        return time.monotonic() - self.started


def status_record(message: AlignmentStatus) -> dict:
    """Return the AlignmentStatus fields the report uses, as plain numbers."""
    # 'iteration' counts completed PACT iterations (AlignmentStatus.iteration is 0-based)
    return {'iteration': int(message.iteration) + 1, 'model_version': message.model_version,
            'stage': int(message.stage), 'violation_rate': float(message.violation_rate),
            'mean_cost': float(message.mean_cost), 'kl_proxy': float(message.kl_proxy),
            'kl_bound': float(message.kl_bound), 'rolled_back': bool(message.rolled_back),
            'step_scale': float(message.step_scale), 'env_steps': int(message.env_steps),
            'denoiser_calls': int(message.denoiser_calls),
            'wall_time': float(message.wall_time),
            'constraint_names': list(message.constraint_names)}


RESET_RETRY_S = 5.0  # resend a reset_episode request left unanswered this long (wall s)
RESET_POLL_S = 0.1   # how often the driver checks for a reset to send or resend (s)


class DemoDriver(Node):
    """Watch the graph and start each episode with the next fixed seed."""

    def __init__(self, first_seed: int, log=print, context=None):
        """Subscribe to the graph's status topics; ``log`` prints one-line events."""
        super().__init__('mujoco_demo', context=context)
        self.progress = GraphProgress(next_seed=first_seed)
        self.log = log
        self.running = False  # episodes are started (and restarted) only once running
        self.reset_client = self.create_client(ResetEpisode, '/sim_node/reset_episode')
        self._reset_pending = None
        self._reset_sent = 0.0
        self._wanted_seed = None  # seed of the episode asked for and not yet confirmed
        self.create_timer(RESET_POLL_S, self.poll)  # whoever spins this node sends the resets
        self.create_subscription(PolicyStatus, '/policy_node/status', self._on_policy_status,
                                 RELIABLE)
        self.create_subscription(ModelAnnouncement, '/model_announcement',
                                 self._on_announcement, LATCHED)
        self.create_subscription(AlignmentStatus, '/trainer_node/alignment_status',
                                 self._on_alignment_status, RELIABLE)
        self.create_subscription(PolicyStep, '/policy_node/policy_step', self._on_policy_step,
                                 RELIABLE)
        self.create_subscription(EpisodeEvent, '/sim_node/episode_events', self._on_episode,
                                 RELIABLE)

    # --- episodes ---------------------------------------------------------------------------

    def begin(self) -> None:
        """Once the policy node is active: say so and start the first episode."""
        self.log(f'policy node active with {self.progress.active_version!r}; episodes start at '
                 f'seed {self.progress.next_seed}')
        self.running = True
        self.start_next_episode()

    def start_next_episode(self) -> None:
        """
        Ask the sim node to start an episode with the next seed (asynchronously).

        The request waits until the sim node's service is discovered (a request sent before
        that is lost) and is sent again if no answer came within ``RESET_RETRY_S``; ``poll``
        (the node's own timer) does both.
        """
        if self._wanted_seed is not None:
            return
        self._wanted_seed = self.progress.next_seed
        self.progress.next_seed += 1
        self._reset_pending = None
        self.poll()

    def poll(self) -> None:
        """Send the wanted reset once the service is there; resend one left unanswered."""
        if self._wanted_seed is None or not self.reset_client.service_is_ready():
            return
        pending = self._reset_pending
        if pending is not None and (pending.done()
                                    or time.monotonic() - self._reset_sent < RESET_RETRY_S):
            return
        if pending is not None:
            self.reset_client.remove_pending_request(pending)
        self._reset_sent = time.monotonic()
        self._reset_pending = self.reset_client.call_async(
            ResetEpisode.Request(seed=self._wanted_seed))
        self._reset_pending.add_done_callback(self._on_reset_done)

    def _on_reset_done(self, future) -> None:
        if future.cancelled():
            return
        self._wanted_seed = None
        response = future.result()
        if response is None or not response.success:
            message = 'no response' if response is None else response.message
            self.progress.reset_errors.append(message)

    def _on_episode(self, message: EpisodeEvent) -> None:
        if message.event == EpisodeEvent.EVENT_START:
            self.progress.episodes_started += 1
        ended = (message.event == EpisodeEvent.EVENT_END
                 and message.reason == EpisodeEvent.REASON_TIMEOUT)
        if ended and self.running:
            self.progress.episodes_finished += 1
            self.start_next_episode()

    # --- status -----------------------------------------------------------------------------

    def _on_policy_status(self, message: PolicyStatus) -> None:
        progress = self.progress
        progress.policy_state = message.state
        version = message.active_model_version
        if version and version != progress.active_version:
            if progress.active_version:
                progress.hot_swaps.append({'version': version, 'previous':
                                           progress.active_version,
                                           'wall_s': progress.seconds()})
                self.log(f'hot swap: the policy node now runs [bold]{version}[/] '
                         f'(was {progress.active_version})')
            progress.active_version = version

    def _on_announcement(self, message: ModelAnnouncement) -> None:
        self.progress.announcements[message.version] = message.uri

    def _on_alignment_status(self, message: AlignmentStatus) -> None:
        record = status_record(message)
        record['received_wall_s'] = self.progress.seconds()
        self.progress.iterations.append(record)
        self.log(f'iteration {record["iteration"]}: violation rate '
                 f'{record["violation_rate"]:.3f}, mean cost {record["mean_cost"]:.4g}, '
                 f'KL proxy {record["kl_proxy"]:.3g}, env steps {record["env_steps"]}, '
                 f'new model {record["model_version"]}'
                 f'{" (gate rolled back)" if record["rolled_back"] else ""}')

    def _on_policy_step(self, message: PolicyStep) -> None:
        self.progress.env_steps += int(message.command_horizon)


def raise_keyboard_interrupt(signum, frame):
    """Signal handler (SIGTERM): unwind like Ctrl-C, so that cleanup code runs."""
    raise KeyboardInterrupt(f'signal {signum}')


class GraphError(RuntimeError):
    """The node graph failed (a node exited, or something did not happen in time)."""


def _wait(executor, group, condition, timeout_s: float, what: str, logs: Path) -> None:
    """Spin until ``condition()``; raise GraphError on timeout or when a node exits."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise GraphError(f'timed out after {timeout_s:.0f} s waiting for {what} (node logs '
                             f'in {logs})')
        executor.spin_once(timeout_sec=0.1)
        try:
            group.check()
        except ChildExited as error:
            raise GraphError(str(error)) from error


def _finished(progress: GraphProgress, iterations: int) -> bool:
    """Return True once the policy node runs a model of iteration ``iterations`` or later."""
    later = {record['model_version'] for record in progress.iterations
             if record['iteration'] >= iterations}
    return progress.active_version in later


def run_graph(settings, overlay: Path, base_checkpoint: Path, run_dir: Path,
              console) -> GraphProgress:
    """
    Run the node graph until ``settings.iterations`` PACT iterations are hot-swapped in.

    Node logs go to ``run_dir/logs``; the trainer's relative folders (model_dir, state_dir,
    log_dir of the overlay) land in ``run_dir`` (the children's working directory).
    """
    import os

    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    dds = private_domain_environment(DEMO_DOMAINS, 'demo')  # ids never shared with tests
    os.environ.update(dds)
    # one OpenMP thread per node: four processes share a few cores, spinning threads only hurt
    children = dict(dds, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    commands = node_commands(overlay, base_checkpoint, settings.task, settings.train_first_seed)
    logs = Path(run_dir).resolve() / 'logs'
    context = rclpy.Context()
    rclpy.init(args=[], context=context)
    try:
        with ProcessGroup(logs, children, cwd=Path(run_dir).resolve()) as group:
            for name, command in commands.items():
                group.start(name, command)
            console.print(f'started {", ".join(commands)} '
                          f'(ROS_DOMAIN_ID={dds["ROS_DOMAIN_ID"]}, localhost discovery; '
                          f'logs in {logs})')
            driver = DemoDriver(settings.train_first_seed, log=console.print, context=context)
            executor = SingleThreadedExecutor(context=context)
            executor.add_node(driver)
            try:
                return _drive(settings, driver, executor, group, console, logs)
            finally:
                executor.remove_node(driver)
                driver.destroy_node()
                executor.shutdown()
    finally:
        rclpy.try_shutdown(context=context)


def _drive(settings, driver, executor, group, console, logs: Path) -> GraphProgress:
    """Start the first episode, show live progress, return when the last swap is seen."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    progress = driver.progress
    _wait(executor, group, lambda: (progress.policy_state == PolicyStatus.STATE_ACTIVE
                                    and progress.active_version), settings.startup_timeout_s,
          'the policy node to load the base model and activate', logs)
    driver.begin()
    columns = (TextColumn('[bold]PACT[/] iteration {task.completed}/{task.total}'), BarColumn(),
               TextColumn('env steps {task.fields[env_steps]}  violation rate '
                          '{task.fields[violation]}  active model {task.fields[model]}  '
                          'episodes {task.fields[episodes]}'), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task('align', total=settings.iterations, env_steps=0, violation='-',
                            model=progress.active_version, episodes=0)
        last_change, seen = time.monotonic(), 0

        def advanced():
            nonlocal last_change, seen
            if len(progress.iterations) != seen:
                last_change, seen = time.monotonic(), len(progress.iterations)
            if progress.reset_errors:
                raise GraphError(f'sim_node/reset_episode failed: {progress.reset_errors[-1]}')
            latest = progress.iterations[-1] if progress.iterations else None
            bar.update(task, completed=min(seen, settings.iterations),
                       env_steps=progress.env_steps, model=progress.active_version,
                       episodes=progress.episodes_finished,
                       violation='-' if latest is None else f'{latest["violation_rate"]:.3f}')
            if time.monotonic() - last_change > settings.iteration_timeout_s:
                raise GraphError(f'no PACT iteration for {settings.iteration_timeout_s:.0f} s '
                                 f'(node logs in {logs})')
            return _finished(progress, settings.iterations)

        timeout = settings.iterations * settings.iteration_timeout_s + settings.swap_timeout_s
        _wait(executor, group, advanced, timeout, f'{settings.iterations} iterations to be '
              'hot-swapped into the policy node', logs)
    if not progress.episodes_finished:
        # A short run (a small trainer budget on a fast machine) can swap its last model in
        # before the first episode ends; the scene is frozen only if none ends within a budget.
        try:
            _wait(executor, group, lambda: progress.episodes_finished > 0,
                  settings.iteration_timeout_s, 'the first live episode to finish', logs)
        except GraphError as error:
            raise GraphError('the simulator finished no episode while aligning: the policy ran '
                             f'on a frozen scene (episodes started: {progress.episodes_started}'
                             f'; {error})') from error
    return progress
