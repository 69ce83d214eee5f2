"""Developer tools beside the Pulumi program: the offline preview, benchmarks, generators."""
