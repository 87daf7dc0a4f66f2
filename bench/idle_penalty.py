"""Does this machine slow down work that follows an idle second? (bench/TUNING.md, change 26)

The benchmark's simulated people pause 0.5-1.5 s after each reply, so every message arrives
after an idle gap. On some virtual machines a core that has been idle runs the next burst of
work several times slower (power states, caches shared with other tenants). This times one
fixed burst of the kind a turn does (a small TensorFlow graph, numpy, plain Python), back to
back and after a 1 s pause, with nothing of the project in it:

    .venv/bin/python bench/idle_penalty.py

A ratio near 1 means latency measured with pauses is the project's own; well above 1, the
machine adds that factor to every paused message (the p95 at 10 conversations included).
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROUNDS = 8


def main() -> None:
    matrix = np.random.default_rng(0).random((300, 300), dtype=np.float32)
    constant = tf.constant(matrix)

    @tf.function
    def graph(x):
        return tf.reduce_sum(tf.matmul(x, x))

    def burst() -> None:
        for _ in range(20):
            graph(constant)
        total = 0
        for i in range(100_000):
            total += i % 7
        product = matrix.copy()
        for _ in range(5):
            product = product @ matrix / 300

    burst()
    burst()
    medians = {}
    for pause in (0.0, 1.0, 0.0, 1.0):
        walls = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            burst()
            walls.append(time.perf_counter() - start)
            time.sleep(pause)
        walls.sort()
        medians.setdefault(pause, []).append(walls[ROUNDS // 2] * 1000)
    back_to_back, paused = min(medians[0.0]), min(medians[1.0])
    print(
        f"burst: {back_to_back:.1f} ms back to back, {paused:.1f} ms after a 1 s pause "
        f"(x{paused / back_to_back:.1f})"
    )


if __name__ == "__main__":
    main()
