"""One exception hierarchy, so the CLI can print any expected failure as one clear line."""


class GovdataError(Exception):
    """An expected failure with a message meant for the operator (no traceback needed)."""


class SettingsError(GovdataError):
    """A setting has a bad value; the message names the setting."""


class ContractError(GovdataError):
    """A source contract is inconsistent or a file matches no contract."""


class GateClosedError(GovdataError):
    """Publication refused because a library's data-quality gate is closed."""
