"""Run the real Pulumi program offline, under Pulumi's mocks, and judge what it would create."""
