"""Definition parsing at scale: time per step for 1k, 4k and 10k chained Processing steps, in one run.

Each step is what the SageMaker Python SDK renders for a ScriptProcessor (about 1.3 KB): resources, image,
environment, a code input, the previous step's output read through a ``Get`` property reference, and an
output whose S3 URI is a ``Std:Join`` of a parameter, the execution id and the step name. The 10k
definition is about 15 MB. Parsing is linear when the time per step stays flat: the printed ratio
(time per step at 10k over time per step at 1k) is about 1. Times are the process's CPU time (the parse
is single-threaded), best of ``--rounds``, so a machine shared with other work still measures the parser.

    python benchmarks/definition_scale.py [--rounds 3] [--sizes 1000,4000,10000]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from jupyter_sm_lineage.core.definition import parse_definition


def step(i: int) -> dict[str, Any]:
    name = f"Step-{i:05d}"
    inputs: list[dict[str, Any]] = [{
        "InputName": "code", "AppManaged": False,
        "S3Input": {"S3Uri": f"s3://bench-bucket/code/{name}/preprocess.py",
                    "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix", "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"},
    }]
    if i:
        previous = f"Steps.Step-{i - 1:05d}.ProcessingOutputConfig.Outputs['data'].S3Output.S3Uri"
        inputs.insert(0, {
            "InputName": "input-1", "AppManaged": False,
            "S3Input": {"S3Uri": {"Get": previous},
                        "LocalPath": "/opt/ml/processing/input", "S3DataType": "S3Prefix", "S3InputMode": "File",
                        "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"},
        })
    return {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                                      "VolumeSizeInGB": 30}},
            "AppSpecification": {
                "ImageUri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/preprocess.py"],
            },
            "RoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
            "ProcessingInputs": inputs,
            "ProcessingOutputConfig": {"Outputs": [{
                "OutputName": "data", "AppManaged": False,
                "S3Output": {"S3Uri": {"Std:Join": {"On": "/", "Values": [
                    {"Get": "Parameters.OutputRoot"}, {"Get": "Execution.PipelineExecutionId"}, name]}},
                    "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"},
            }]},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        },
        "DependsOn": [f"Step-{i - 1:05d}"] if i else [],
        "CacheConfig": {"Enabled": True, "ExpireAfter": "P30D"},
    }


def definition(count: int) -> str:
    return json.dumps({
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": [{"Name": "OutputRoot", "Type": "String", "DefaultValue": "s3://bench-bucket/stages"}],
        "PipelineExperimentConfig": {"ExperimentName": {"Get": "Execution.PipelineName"},
                                     "TrialName": {"Get": "Execution.PipelineExecutionId"}},
        "Steps": [step(i) for i in range(count)],
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000,4000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    per_step: dict[int, float] = {}
    for size in sizes:
        text = definition(size)
        best = float("inf")
        for _ in range(args.rounds):
            started = time.process_time()
            graph = parse_definition(text)
            best = min(best, time.process_time() - started)
        assert len(graph.nodes) == size
        per_step[size] = best / size
        print(f"{size:>6} steps  {len(text) / 1e6:6.1f} MB  {best:7.3f} s CPU  {per_step[size] * 1e6:8.1f} us/step")
    first, last = sizes[0], sizes[-1]
    print(f"time per step at {last} / at {first}: {per_step[last] / per_step[first]:.2f} (1.0 is linear)")


if __name__ == "__main__":
    main()
