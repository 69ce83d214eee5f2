"""Performance targets and the k6 load test that gates a deploy on them."""
