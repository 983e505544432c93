class TermsError(Exception):
    """A refused change of terms or consent, with a translated message for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
