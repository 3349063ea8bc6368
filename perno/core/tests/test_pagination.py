import pytest

from perno.core.pagination import paginate
from perno.records.models import Tag


@pytest.mark.django_db
def test_pages_know_their_neighbours_without_counting_everything():
    Tag.objects.bulk_create(Tag(name=f"t{i:03d}") for i in range(60))
    qs = Tag.objects.order_by("name")
    first = paginate(qs, 1, 25)
    assert [t.name for t in first.items][:2] == ["t000", "t001"]
    assert first.has_next and not first.has_previous
    assert (first.count, first.count_is_capped) == (60, False)
    last = paginate(qs, 3, 25)
    assert len(last.items) == 10 and not last.has_next
    assert (last.start_index, last.end_index) == (51, 60)


@pytest.mark.django_db
def test_counts_are_capped(monkeypatch):
    monkeypatch.setattr("perno.core.pagination.COUNT_CAP", 30)
    Tag.objects.bulk_create(Tag(name=f"t{i:03d}") for i in range(60))
    page = paginate(Tag.objects.order_by("name"), 1, 25)
    assert page.count_is_capped
    assert page.count == 30
