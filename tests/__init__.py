import pytest

# before anything imports them: the helpers' asserts explain themselves like a test's do
pytest.register_assert_rewrite("tests.support")
