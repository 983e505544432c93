"""The one domain exception of bookings: a refused action, with a message for the person."""


class BookingError(Exception):
    """A refused booking action, with a translated message for the person."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
