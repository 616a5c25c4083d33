# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything the Postiz backend does with Temporal, as a client only (FACTS §9).

``temporalio`` is imported lazily so pure modules (and their tests) do not need it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from .config import Settings

SEARCH_ATTRIBUTES = ("organizationId", "postId")  # both Text (FACTS §9.3)
TASK_QUEUE = "main"
RPC_TIMEOUT = timedelta(seconds=10)
CONNECT_TIMEOUT_SECONDS = 10.0


def describe_error(exc: BaseException) -> str:
    """One line, no secrets: the exception type and its message."""
    message = " ".join(str(exc).split()) or repr(exc)
    return f"{type(exc).__name__}: {message}"


def _runtime() -> Any:
    """A Temporal runtime whose Rust-core logs go through Python logging.

    By default the core prints coloured, multi-line records straight to stderr, which
    would break the one-line-per-event log contract.
    """
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )

    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    filter_ = TelemetryFilter(core_level="WARN", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=filter_, forwarding=forwarding)))


class TemporalGateway:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._client: Any = None
        self._runtime: Any = None

    async def connect(self) -> Any:
        """A fresh client that has completed a round-trip to the frontend service."""
        from temporalio.client import Client

        if self._runtime is None:
            self._runtime = _runtime()
        return await asyncio.wait_for(
            Client.connect(
                self._settings.temporal_address,
                namespace=self._settings.temporal_namespace,
                tls=self._settings.temporal_tls,
                api_key=self._settings.temporal_api_key,
                runtime=self._runtime,
            ),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )

    async def probe(self) -> None:
        """Connect and describe the namespace (what the orchestrator's health check does)."""
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

        client = await self.connect()
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=self._settings.temporal_namespace), timeout=RPC_TIMEOUT
        )
        self._client = client

    async def client(self) -> Any:
        if self._client is None:
            self._client = await self.connect()
        return self._client

    async def ensure_search_attributes(self) -> list[str]:
        """Add the missing Text attributes; return the names added (raises on refusal)."""
        from temporalio.api.enums.v1 import IndexedValueType
        from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

        client = await self.client()
        namespace = self._settings.temporal_namespace
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace), timeout=RPC_TIMEOUT
        )
        missing = [name for name in SEARCH_ATTRIBUTES if name not in listed.custom_attributes]
        if missing:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=namespace,
                    search_attributes=dict.fromkeys(missing, IndexedValueType.INDEXED_VALUE_TYPE_TEXT),
                ),
                timeout=RPC_TIMEOUT,
            )
        return missing

    async def start_missing_post_workflow(self) -> None:
        """RUN_CRON: the hourly catch-up workflow (FACTS §2.6, §9.5)."""
        from temporalio.common import WorkflowIDConflictPolicy

        client = await self.client()
        await client.start_workflow(
            "missingPostWorkflow",
            id="missing-post-workflow",
            task_queue=TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )

    async def send_email(self, to: str, subject: str, html: str, reply_to: str | None = None) -> None:
        """Signal-with-start of ``send_email`` (FACTS §2.8, §9.2); raises if Temporal refuses."""
        client = await self.client()
        await client.start_workflow(
            "sendEmailWorkflow",
            id="send_email",
            task_queue=TASK_QUEUE,
            start_signal="sendEmail",
            start_signal_args=[{"to": to, "subject": subject, "html": html, "replyTo": reply_to}],
        )


# v2.23.0 starts V106 (its workflows go up to v1.0.6); V109 is in later releases only.
POST_WORKFLOW = "postWorkflowV106"
START_TIMEOUT_SECONDS = 10.0


def post_workflow_id(post_id: str) -> str:
    return f"post_{post_id}"


async def _start_post_workflow(
    gateway: TemporalGateway, post_id: str, org_id: str, activity_queue: str
) -> None:
    from temporalio.common import (
        SearchAttributeKey,
        SearchAttributePair,
        TypedSearchAttributes,
        WorkflowIDConflictPolicy,
    )

    client = await gateway.client()
    attributes = TypedSearchAttributes(
        [
            SearchAttributePair(SearchAttributeKey.for_text("postId"), post_id),
            SearchAttributePair(SearchAttributeKey.for_text("organizationId"), org_id),
        ]
    )
    await client.start_workflow(
        POST_WORKFLOW,
        {"taskQueue": activity_queue, "postId": post_id, "organizationId": org_id},
        id=post_workflow_id(post_id),
        task_queue=TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
        search_attributes=attributes,
        rpc_timeout=RPC_TIMEOUT,
    )


async def start_post_workflow(
    gateway: TemporalGateway, post_id: str, org_id: str, activity_queue: str
) -> bool:
    """Start the publishing workflow of one post (FACTS §9.2); False if Temporal refused.

    Postiz swallows these failures: the post stays QUEUE until RUN_CRON's catch-up.
    """
    from . import logs

    try:
        await asyncio.wait_for(
            _start_post_workflow(gateway, post_id, org_id, activity_queue), timeout=START_TIMEOUT_SECONDS
        )
    except Exception as exc:
        logs.warn(
            "PostsService", f"Could not start {POST_WORKFLOW} for post {post_id}: {describe_error(exc)}"
        )
        return False
    return True


async def terminate_post_workflows(gateway: TemporalGateway, post_ids: list[str]) -> None:
    """Terminate running workflows found by ``postId="<id>" AND ExecutionStatus="Running"``."""
    from . import logs

    async def run() -> None:
        client = await gateway.client()
        for post_id in post_ids:
            query = f'postId="{post_id}" AND ExecutionStatus="Running"'
            async for execution in client.list_workflows(query, rpc_timeout=RPC_TIMEOUT):
                handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
                await handle.terminate(reason="post deleted", rpc_timeout=RPC_TIMEOUT)

    try:
        await asyncio.wait_for(run(), timeout=START_TIMEOUT_SECONDS)
    except Exception as exc:
        logs.warn("PostsService", f"Could not terminate post workflows: {describe_error(exc)}")
