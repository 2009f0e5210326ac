"""The web app's names for the users use-case (``kolgraph.usecases.users``), where the user
store lives so that the CLI and the web app share it without the CLI importing ``web``."""

from kolgraph.usecases.users import (  # noqa: F401
    DEFAULT_TIMEZONE,
    LANGUAGES,
    MIN_PASSWORD_LENGTH,
    ROLE_LEVEL,
    ROLES,
    User,
    UserError,
    UserStore,
    check_name,
    check_password,
    check_role,
)
