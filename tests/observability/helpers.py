"""Reading a Prometheus scrape the way a Prometheus server would."""

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels) -> float:
    """The value of one series in a scrape; 0 when it is absent."""
    for family in text_string_to_metric_families(text):
        for item in family.samples:
            if item.name == name and all(item.labels.get(k) == v for k, v in labels.items()):
                return item.value
    return 0.0


def series_names(text: str) -> set[str]:
    return {item.name for family in text_string_to_metric_families(text) for item in family.samples}
