"""A mock resource monitor that records what the engine would record, and applies transforms.

Pulumi's MockMonitor keeps only (urn, id, state). The engine also knows each resource's inputs
as sent, parent, dependencies, provider and options, and it runs stack transforms before a
registration reaches the provider. This monitor does both, so tests and policy packs see what
a real preview sees.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from foundation.records import ProviderRecord, ResourceRecord
from tools.offline.mocks import AwsMocks


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: AwsMocks) -> None:
        super().__init__(mocks)
        self.aws_mocks = mocks
        self._records: list[ResourceRecord] = []
        self._providers: dict[str, ProviderRecord] = {}
        self._thread_loops: set[asyncio.AbstractEventLoop] = set()

    def close_thread_loops(self) -> None:
        """Close the event loops the monitor's worker threads made (else GC closes them noisily)."""
        for loop in self._thread_loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        self._thread_loops.clear()

    def _note_thread_loop(self) -> None:
        self._thread_loops.add(_ensure_event_loop())

    def Invoke(self, request: Any) -> Any:
        self._note_thread_loop()
        return super().Invoke(request)

    def records(self) -> tuple[ResourceRecord, ...]:
        return tuple(self._records)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        self._note_thread_loop()
        inputs = rpc.deserialize_properties(request.object)
        inputs = self._apply_transforms(request, inputs)
        resource_args = MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        resource_id, state = self.mocks.new_resource(resource_args)
        state_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, state)
        wire_inputs = json_format.MessageToDict(_sync_await(rpc.serialize_properties(inputs, {})))
        outputs = rpc.deserialize_properties(state_proto)
        provider = self._provider_of(request.provider)
        record = ResourceRecord(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            wire_inputs=wire_inputs,
            outputs={"id": resource_id, **_plain(outputs)},
            parent=request.parent or None,
            # The SDK collects dependencies in sets: sorted, so records are reproducible.
            dependencies=tuple(sorted(request.dependencies)),
            property_dependencies={
                k: tuple(sorted(v.urns)) for k, v in sorted(request.propertyDependencies.items())
            },
            provider=provider,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=tuple(request.ignoreChanges),
            replace_on_changes=tuple(request.replaceOnChanges),
            replace_with=tuple(getattr(request, "replace_with", ())),
            custom_timeouts={
                operation: value
                for operation in ("create", "update", "delete")
                if (value := getattr(request.customTimeouts, operation, ""))
            },
        )
        self._records.append(record)
        if request.type.startswith("pulumi:providers:"):
            self._providers[f"{urn}::{resource_id}"] = ProviderRecord(
                urn=urn, type=request.type, name=request.name, inputs=_plain(inputs)
            )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=state_proto)

    def _provider_of(self, reference: str) -> ProviderRecord | None:
        return self._providers.get(reference) if reference else None

    def _apply_transforms(self, request: Any, inputs: dict) -> dict:
        """Run stack transforms as the engine does, before the provider sees the inputs."""
        if request.type.startswith("pulumi:providers:"):
            return inputs
        for transform in self.aws_mocks.transforms:
            args = pulumi.ResourceTransformArgs(
                custom=bool(request.custom),
                type_=request.type,
                name=request.name,
                props=inputs,
                opts=pulumi.ResourceOptions(),
            )
            result = transform(args)
            if inspect.isawaitable(result):
                result = _sync_await(result)
            if result is not None:
                inputs = dict(result.props)
        return inputs


def _plain(value: Any) -> Any:
    """Deserialised values as plain data: secrets unwrapped, resource references as URNs."""
    if rpc.is_rpc_secret(value):
        return _plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return getattr(value, "_urn_value", None) or repr(value)
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        # As the engine holds them: the asset/archive signature and its contents.
        return json_format.MessageToDict(
            _sync_await(rpc.serialize_properties({"value": value}, {}))
        )["value"]
    return value
