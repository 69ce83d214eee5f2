"""Developer tools that run beside the Pulumi program: the offline preview, benchmarks, generators."""
