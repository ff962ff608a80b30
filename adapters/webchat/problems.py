"""HTTP problems of the web chat API and the one JSON shape they are answered in.

Every error body is ``{"error": {"code": ..., "message": "<Dutch> / <English>"}}``.
Messages are fixed texts per code: nothing a client sent is ever echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True, slots=True)
class ProblemText:
    nl: str
    en: str

    def both(self) -> str:
        return f"{self.nl} / {self.en}"


PROBLEM_TEXTS: dict[str, ProblemText] = {
    "bad_json": ProblemText("Het verzoek is geen geldige JSON.", "The request is not valid JSON."),
    "bad_shape": ProblemText(
        "Het verzoek heeft niet de verwachte vorm.",
        "The request does not have the expected shape.",
    ),
    "bad_request": ProblemText("Dit verzoek klopt niet.", "This request is not valid."),
    "not_found": ProblemText(
        "Deze pagina of dit gesprek bestaat niet.",
        "This page or conversation does not exist.",
    ),
    "method_not_allowed": ProblemText(
        "Deze methode is hier niet toegestaan.", "This method is not allowed here."
    ),
    "too_large": ProblemText("Het verzoek is te groot.", "The request is too large."),
    "timeout": ProblemText(
        "Het verzoek kwam te langzaam binnen.", "The request arrived too slowly."
    ),
    "unsupported_media_type": ProblemText(
        "Stuur JSON (application/json, UTF-8).", "Send JSON (application/json, UTF-8)."
    ),
    "unsupported_encoding": ProblemText(
        "Stuur het verzoek zonder compressie.", "Send the request without compression."
    ),
    "rate_limited": ProblemText(
        "Even rustig aan: probeer het over een minuut opnieuw.",
        "Please slow down: try again in a minute.",
    ),
    "busy": ProblemText(
        "Het is nu erg druk. Probeer het over een minuut opnieuw.",
        "It is very busy right now. Please try again in a minute.",
    ),
    "unavailable": ProblemText(
        "Meldwijzer is even niet bereikbaar. Probeer het later opnieuw.",
        "Meldwijzer is unavailable for a moment. Please try again later.",
    ),
    "internal": ProblemText(
        "Er ging iets mis aan onze kant. Je bericht is mogelijk niet verwerkt; "
        "probeer het opnieuw.",
        "Something went wrong on our side. Your message may not have been processed; "
        "please try again.",
    ),
}

# aiohttp raises its own HTTPExceptions (unknown route, wrong method, body too large);
# they are answered with the code that matches their status.
CODE_FOR_STATUS: dict[int, str] = {
    400: "bad_request",
    404: "not_found",
    408: "timeout",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    431: "too_large",
    429: "rate_limited",
    503: "unavailable",
}


class WebchatProblem(Exception):
    """A request the web chat refuses; ``code`` picks the fixed message."""

    def __init__(self, status: int, code: str, *, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.retry_after = retry_after


def problem_body(code: str) -> dict[str, dict[str, str]]:
    text = PROBLEM_TEXTS.get(code, PROBLEM_TEXTS["bad_request"])
    return {"error": {"code": code, "message": text.both()}}


def problem_response(status: int, code: str, *, retry_after: int | None = None) -> web.Response:
    response = web.json_response(problem_body(code), status=status)
    if retry_after is None and status == 429:
        retry_after = 60
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if status == 408:
        response.force_close()  # the rest of a slow body may still be on its way
    return response


def response_for_http_exception(exc: web.HTTPException) -> web.Response:
    """Answer one of aiohttp's own errors in our JSON shape, keeping ``Allow`` on a 405."""
    code = CODE_FOR_STATUS.get(exc.status, "internal" if exc.status >= 500 else "bad_request")
    response = problem_response(exc.status, code)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        response.headers["Allow"] = ",".join(sorted(exc.allowed_methods))
    return response
