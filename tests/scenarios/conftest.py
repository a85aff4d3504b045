from tests.support.scenario_hosts import any_host, second_host_server

__all__ = ["any_host", "second_host_server"]
