"""Scripts the deploy workflow runs against a real AWS account (post-deploy verification)."""
