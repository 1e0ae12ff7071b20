from tests.interchange.conftest import base_records  # noqa: F401  (fixtures of the tests here)
from tests.procedure.conftest import pw  # noqa: F401
