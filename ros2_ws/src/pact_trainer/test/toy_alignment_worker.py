# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Run the toy PACT loop in ``argv[1]`` for ``argv[2]`` iterations, resuming if possible."""

import hashlib
import sys

from pact_trainer.core.toy_problem import toy_aligner
import torch


def buffer_digest(aligner) -> str:
    """Return a SHA-256 over the buffer's observation and action tensors."""
    digest = hashlib.sha256()
    for tensor in (aligner.buffer.data.observation, aligner.buffer.data.action):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def main():
    torch.set_num_threads(1)
    aligner = toy_aligner('velocity', state_dir=sys.argv[1], iterations=int(sys.argv[2]),
                          base_steps=50, steps_per_epoch=20)
    if aligner.try_resume():
        print(f'resumed iteration={aligner.iteration} buffer={buffer_digest(aligner)}',
              flush=True)
    aligner.run(callback=lambda record: print(f'done {record.iteration}', flush=True))


if __name__ == '__main__':
    main()
