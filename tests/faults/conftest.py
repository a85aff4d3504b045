from tests.support.services import service

__all__ = ["service"]
