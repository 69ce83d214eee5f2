"""The OpenTelemetry collector (ADOT sidecar) configuration: OTLP in, X-Ray and CloudWatch out.

Pure: plain values in, the collector's YAML out. The task passes it to the ADOT image through the
`AOT_CONFIG_CONTENT` environment variable (the image reads its config from there when set), so the
config is versioned with the task definition: a config change is a new revision and rolls out,
and rolls back, with the app. It holds no secret (the collector signs its AWS calls with the task
role), which is why a plain variable is acceptable here; an SSM parameter would add a resource,
a permission and a deploy that does not roll back with the task.

Every listener binds to 127.0.0.1: the apps reach the collector over the task's shared loopback
(awsvpc), and nothing outside the task can send it telemetry or read its health endpoint.
"""

from __future__ import annotations

from typing import Any

import yaml

from foundation.app_contract import OTEL_HEALTH_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT

LOOPBACK = "127.0.0.1"
"""Not `localhost`: Node resolves it to ::1 first on some images, where nothing listens."""
XRAY_PROXY_PORT = 2000
"""The awsproxy extension: X-Ray remote samplers in the apps fetch sampling rules through it."""
XRAY_BATCH_LIMIT = 50
"""PutTraceSegments accepts at most 50 segment documents per call."""
COLLECTOR_MEMORY_LIMIT_MIB = 200
"""The collector refuses data (instead of being killed) above this; its reservation is 256."""


def metrics_namespace(project: str, stack: str) -> str:
    """The CloudWatch namespace of the app's own metrics, one per stack (e.g. `perfcheck/prod`)."""
    return f"{project}/{stack}"


def otlp_http_endpoint() -> str:
    """What the apps put in OTEL_EXPORTER_OTLP_ENDPOINT."""
    return f"http://{LOOPBACK}:{OTLP_HTTP_PORT}"


def collector_config(*, region: str, namespace: str, metrics_log_group: str) -> dict[str, Any]:
    """The collector configuration as data (see `collector_config_yaml`).

    - traces: OTLP -> memory limiter -> ECS resource detection -> batch of 50 -> X-Ray;
    - metrics: OTLP -> memory limiter -> ECS resource detection -> 60 s batch -> CloudWatch EMF
      (log events in `metrics_log_group`, which CloudWatch turns into metrics in `namespace`;
      no PutMetricData call). Resource attributes stay out of the dimensions, so the number of
      metrics (and the bill) does not grow with every task.
    """
    processors = ["memory_limiter", "resourcedetection"]
    return {
        "extensions": {
            "health_check": {"endpoint": f"{LOOPBACK}:{OTEL_HEALTH_PORT}"},
            "awsproxy": {"endpoint": f"{LOOPBACK}:{XRAY_PROXY_PORT}", "region": region},
        },
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{LOOPBACK}:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"{LOOPBACK}:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": {
            "memory_limiter": {
                "check_interval": "1s",
                "limit_mib": COLLECTOR_MEMORY_LIMIT_MIB,
                "spike_limit_mib": 50,
            },
            "resourcedetection": {"detectors": ["env", "ecs"], "timeout": "2s", "override": False},
            "batch/traces": {"timeout": "1s", "send_batch_size": XRAY_BATCH_LIMIT},
            "batch/metrics": {"timeout": "60s"},
        },
        "exporters": {
            "awsxray": {"region": region},
            "awsemf": {
                "region": region,
                "namespace": namespace,
                "log_group_name": metrics_log_group,
                "log_stream_name": "{TaskId}",
                "dimension_rollup_option": "NoDimensionRollup",
                "resource_to_telemetry_conversion": {"enabled": False},
            },
        },
        "service": {
            "extensions": ["health_check", "awsproxy"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp"],
                    "processors": [*processors, "batch/traces"],
                    "exporters": ["awsxray"],
                },
                "metrics": {
                    "receivers": ["otlp"],
                    "processors": [*processors, "batch/metrics"],
                    "exporters": ["awsemf"],
                },
            },
            "telemetry": {"logs": {"level": "info"}},
        },
    }


def collector_config_yaml(*, region: str, namespace: str, metrics_log_group: str) -> str:
    """The configuration as the YAML text the collector reads from AOT_CONFIG_CONTENT."""
    config = collector_config(
        region=region, namespace=namespace, metrics_log_group=metrics_log_group
    )
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
