"""A requests session that answers from canned answers and keeps what was sent (for header and retry tests)."""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class _Adapter(BaseAdapter):
    def __init__(self, owner: Capture) -> None:
        super().__init__()
        self.owner = owner

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.owner.sent.append(request)
        answer = self.owner.answers.pop(0) if len(self.owner.answers) > 1 else self.owner.answers[0]
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code = answer["status"]
        body = answer.get("body", "")
        response._content = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        response.headers = CaseInsensitiveDict(answer.get("headers", {}))
        response.encoding = "utf-8"
        response.request, response.url = request, request.url or ""
        return response

    def close(self) -> None:
        pass


class Capture(requests.Session):
    """Answers in order (the last answer repeats); `sent` holds every prepared request."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        super().__init__()
        self.answers: list[Any] = list(answers)
        self.sent: list[requests.PreparedRequest] = []
        self.mount("https://", _Adapter(self))
