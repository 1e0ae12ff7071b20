from tests.procedure.conftest import pw  # noqa: F401  (cases walked along the legal path)
