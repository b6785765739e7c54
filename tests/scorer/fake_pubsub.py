"""An in-process gRPC fake of the Pub/Sub Subscriber service calls google-cloud-pubsub 2.44.0's streaming
pull makes (StreamingPull, Acknowledge, ModifyAckDeadline), with leases, dead-lettering and refusals, so the real
``pubsub_v1.SubscriberClient`` runs against it (through PUBSUB_EMULATOR_HOST, the client's documented
switch to an insecure channel at that address).

Semantics, from google/pubsub/v1/pubsub.proto as rendered in google-cloud-pubsub 2.44.0
(google/pubsub_v1/types/pubsub.py), quoted in ``SOURCES``; test_scorer.py exercises each through the real client.
Time for leases is the fake's own clock (``advance``), so a test lets a deadline pass without waiting for it.
Not modelled: the subscription's retry_policy backoff (a nacked message is redelivered at once) and the
approximate nature of delivery_attempt and of dead-letter forwarding (here exact).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from google.protobuf import empty_pb2
from google.pubsub_v1 import types

SOURCES = {
    "delivery_attempts": "DeadLetterPolicy.max_delivery_attempts: 'The number of delivery attempts is defined as "
    "1 + (the sum of number of NACKs and number of times the acknowledgment deadline has been exceeded for the "
    "message). A NACK is any call to ModifyAckDeadline with a 0 deadline.'",
    "dead_letter_forward": "DeadLetterPolicy.dead_letter_topic: 'The name of the topic to which dead letter "
    "messages should be published'; https://cloud.google.com/pubsub/docs/handling-failures#dead_letter_topic: "
    "after the maximum number of delivery attempts Pub/Sub forwards the undeliverable message to the dead-letter "
    "topic.",
    "delivery_attempt_field": "ReceivedMessage.delivery_attempt: 'Upon the first delivery of a given message, "
    "delivery_attempt will have a value of 1'; set only when the subscription has a dead-letter policy.",
    "ack_removes": "Acknowledge: 'The Pub/Sub system can remove the relevant messages from the subscription.'",
    "lease_expiry": "ReceivedMessage.delivery_attempt: 'this is 1 + (number of NACKs) + (number of ack_deadline "
    "exceeds) for this message. [...] An ack_deadline exceeds event is whenever a message is not acknowledged within "
    "ack_deadline. Note that ack_deadline is initially Subscription.ackDeadlineSeconds, but may get extended "
    "automatically by the client library.' A message whose deadline passes is redelivered (and dead-lettered "
    "after max_delivery_attempts) like a nacked one.",
    "stream_deadline": "StreamingPullRequest.stream_ack_deadline_seconds: 'Required. The ack deadline to use for the "
    "stream. This must be provided in the first request on the stream [...] The minimum deadline you can specify is "
    "10 seconds. The maximum deadline you can specify is 600 seconds (10 minutes).'",
    "lease_extension": "ModifyAckDeadlineRequest.ack_deadline_seconds: 'The new ack deadline with respect to the "
    "time this request was sent to the Pub/Sub system. For example, if the value is 10, the new ack deadline will "
    "expire 10 seconds after the ModifyAckDeadline call was made.'",
    "lost_ack": "Subscription.enable_exactly_once_delivery: 'If true, Pub/Sub provides the following guarantees [...] "
    "An acknowledged message will not be resent to a subscriber.' The platform's scoring subscription leaves it "
    "false (modules/serving/streaming.py), so an acknowledged message may come back: ``lose_acks`` drops an "
    "Acknowledge and the message's lease then expires.",
    "stream_errors": "google-cloud-pubsub 2.44.0 streaming_pull_manager.py _TERMINATING_STREAM_ERRORS: "
    "PermissionDenied, NotFound, ... end the stream and complete the StreamingPullFuture with the error "
    "(``deny``).",
}


@dataclass
class _Message:
    message_id: str
    data: bytes
    attempts: int = 0


@dataclass
class _Lease:
    message: _Message
    deadline: float  # on the fake's clock


@dataclass
class Subscription:
    name: str
    topic: str
    max_delivery_attempts: int
    dead_letter_topic: str | None
    ack_deadline_seconds: int = 10  # Subscription.ack_deadline_seconds: 0 means the default of 10 seconds
    pending: deque = field(default_factory=deque)
    outstanding: dict[str, _Lease] = field(default_factory=dict)
    acked: list[str] = field(default_factory=list)
    expired: int = 0  # leases whose deadline passed
    deliveries: list[tuple[str, int]] = field(default_factory=list)  # (message_id, delivery_attempt) as sent


def _drain(requests) -> None:
    try:
        for _ in requests:
            pass
    except grpc.RpcError:
        pass  # the stream ended (the client closed it)


class FakePubSub:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.subscriptions: dict[str, Subscription] = {}
        self.topics: dict[str, list[_Message]] = {}
        self._ids = itertools.count(1)
        self.server: grpc.Server | None = None
        self.port = 0
        self.skew = 0.0
        self.lose_acks = 0  # drop this many Acknowledge ack ids (the messages stay leased until their deadline)
        self.deny: tuple[grpc.StatusCode, str] | None = None  # end every StreamingPull with this status

    # --- set-up and inspection -------------------------------------------------------------
    def create_subscription(
        self,
        name: str,
        topic: str,
        *,
        max_delivery_attempts: int = 5,
        dead_letter_topic: str | None = None,
        ack_deadline_seconds: int = 10,
    ) -> None:
        if dead_letter_topic is not None and not 5 <= max_delivery_attempts <= 100:
            raise ValueError("max_delivery_attempts must be between 5 and 100")  # DeadLetterPolicy docstring
        with self.lock:
            self.topics.setdefault(topic, [])
            if dead_letter_topic:
                self.topics.setdefault(dead_letter_topic, [])
            self.subscriptions[name] = Subscription(
                name, topic, max_delivery_attempts, dead_letter_topic, ack_deadline_seconds
            )

    def publish(self, topic: str, data: bytes) -> str:
        with self.lock:
            message = _Message(str(next(self._ids)), data)
            self.topics[topic].append(message)
            for sub in self.subscriptions.values():
                if sub.topic == topic:
                    sub.pending.append(_Message(message.message_id, data))
            self.lock.notify_all()
            return message.message_id

    def dead_letters(self, topic: str) -> list[bytes]:
        with self.lock:
            return [m.data for m in self.topics.get(topic, [])]

    def settled(self, subscription: str) -> bool:
        with self.lock:
            sub = self.subscriptions[subscription]
            return not sub.pending and not sub.outstanding

    def now(self) -> float:
        return time.monotonic() + self.skew

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass on the fake's clock: leases not extended in that time expire."""
        with self.lock:
            self.skew += seconds
            for sub in self.subscriptions.values():
                self._expire(sub)
            self.lock.notify_all()

    def lease_remaining(self, subscription: str) -> list[float]:
        """Seconds until each outstanding lease's deadline (the client extends them while it works on a message)."""
        with self.lock:
            now = self.now()
            return [lease.deadline - now for lease in self.subscriptions[subscription].outstanding.values()]

    # --- lease bookkeeping (call with the lock held) -----------------------------------------
    def _release(self, sub: Subscription, message: _Message) -> None:
        """A nacked or expired message: redeliver it, or forward it once it used its delivery attempts."""
        if sub.dead_letter_topic and message.attempts >= sub.max_delivery_attempts:
            self.topics[sub.dead_letter_topic].append(message)
        else:
            sub.pending.append(message)

    def _expire(self, sub: Subscription) -> None:
        now = self.now()
        for ack_id in [a for a, lease in sub.outstanding.items() if lease.deadline <= now]:
            sub.expired += 1
            self._release(sub, sub.outstanding.pop(ack_id).message)

    # --- the gRPC service ---------------------------------------------------------------------
    def _streaming_pull(self, request_iterator, context):
        first = next(request_iterator)
        sub = self.subscriptions[first.subscription]
        deadline = first.stream_ack_deadline_seconds or sub.ack_deadline_seconds
        # Drain the client's later requests (heartbeats) so the stream stays open.
        threading.Thread(target=_drain, args=(request_iterator,), daemon=True).start()
        while context.is_active():
            if self.deny is not None:  # checked on every turn, so a running stream can be ended too
                context.abort(*self.deny)
            with self.lock:
                self._expire(sub)
                if not sub.pending:
                    self.lock.wait(0.05)
                    continue
                received = []
                while sub.pending and len(received) < 10:
                    message = sub.pending.popleft()
                    message.attempts += 1
                    ack_id = f"{sub.name}:{message.message_id}:{message.attempts}"
                    sub.outstanding[ack_id] = _Lease(message, self.now() + deadline)
                    attempt = message.attempts if sub.dead_letter_topic else 0
                    sub.deliveries.append((message.message_id, attempt))
                    received.append(
                        types.ReceivedMessage(
                            ack_id=ack_id,
                            message=types.PubsubMessage(data=message.data, message_id=message.message_id),
                            delivery_attempt=attempt,
                        )
                    )
            yield types.StreamingPullResponse(received_messages=received)

    def _acknowledge(self, request, context):
        with self.lock:
            sub = self.subscriptions[request.subscription]
            for ack_id in request.ack_ids:
                if self.lose_acks:
                    self.lose_acks -= 1
                    continue
                lease = sub.outstanding.pop(ack_id, None)  # an expired lease's ack id no longer acks anything
                if lease is not None:
                    sub.acked.append(lease.message.message_id)
            self.lock.notify_all()
        return empty_pb2.Empty()

    def _modify_ack_deadline(self, request, context):
        with self.lock:
            sub = self.subscriptions[request.subscription]
            for ack_id in request.ack_ids:
                lease = sub.outstanding.get(ack_id)
                if lease is None:
                    continue
                if request.ack_deadline_seconds:  # a lease extension, counted from now
                    lease.deadline = self.now() + request.ack_deadline_seconds
                    continue
                del sub.outstanding[ack_id]  # a NACK
                self._release(sub, lease.message)
            self.lock.notify_all()
        return empty_pb2.Empty()

    def start(self) -> str:
        handler = grpc.method_handlers_generic_handler(
            "google.pubsub.v1.Subscriber",
            {
                "StreamingPull": grpc.stream_stream_rpc_method_handler(
                    self._streaming_pull,
                    request_deserializer=types.StreamingPullRequest.deserialize,
                    response_serializer=types.StreamingPullResponse.serialize,
                ),
                "Acknowledge": grpc.unary_unary_rpc_method_handler(
                    self._acknowledge,
                    request_deserializer=types.AcknowledgeRequest.deserialize,
                    response_serializer=empty_pb2.Empty.SerializeToString,
                ),
                "ModifyAckDeadline": grpc.unary_unary_rpc_method_handler(
                    self._modify_ack_deadline,
                    request_deserializer=types.ModifyAckDeadlineRequest.deserialize,
                    response_serializer=empty_pb2.Empty.SerializeToString,
                ),
            },
        )
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(grace=0)
