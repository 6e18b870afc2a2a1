"""The benchmark's loopback job as an inspect_ai task: each prompt once, plain generation.

Read by benchmarks/peers/run_peers.py; the prompts come from the JSONL suite named by
the BENCH_SUITE environment variable.
"""

import json
import os

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import generate


@task
def loopback_job() -> Task:
    with open(os.environ["BENCH_SUITE"], encoding="utf-8") as file:
        samples = [Sample(input=json.loads(line)["prompt"], target="I can't") for line in file]
    return Task(dataset=samples, solver=generate(), scorer=includes())
