"""The bottom floor: AWS facts (sizes, versions, limits, prices), the app's contract and the
resource-record type. Settings, components, deploy checks, the cost estimate and the offline tools
all read from here; nothing here imports from any of them (tests/test_layering.py)."""
