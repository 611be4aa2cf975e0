"""The local gateway's asynchronous callback (what a real gateway's servers would send)."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.core.task_policies import when_stale
from shequ.payments.callbacks import payment_callback_receive
from shequ.payments.providers import LocalGateway, sign


@when_stale(retry=True)  # the callback handler is safe to receive any number of times
@task(takes_context=True)
def local_gateway_callback(context: TaskContext, txn_id: str) -> dict[str, Any]:
    """Sign and deliver one callback for ``txn_id`` to the payments callback handler."""
    body = LocalGateway.callback_body(txn_id)
    outcome = payment_callback_receive(provider_name="local", body=body, signature=sign(body))
    return {"txn_id": txn_id, "outcome": outcome}
