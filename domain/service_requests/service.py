"""Service requests: staff move them along; the guest panel shows where they stand."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from domain.errors import Invalid, NotFound
from domain.events import ServiceRequestChanged
from domain.service_requests.models import ServiceRequest
from domain.service_requests.rules import STATUSES
from domain.uow import UnitOfWork


class RequestNotFound(NotFound):
    pass


class InvalidStatus(Invalid):
    pass


async def update_status(uow: UnitOfWork, hotel_id: UUID, request_id: UUID, status: str) -> ServiceRequest:
    if status not in STATUSES:
        raise InvalidStatus(f"status must be one of {', '.join(STATUSES)}")
    request = await uow.session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.id == request_id, ServiceRequest.hotel_id == hotel_id)
        .with_for_update()
    )
    if request is None:
        raise RequestNotFound(str(request_id))
    request.status = status
    uow.publish(
        ServiceRequestChanged(hotel_id=hotel_id, conversation_id=request.conversation_id, status=status)
    )
    return request
