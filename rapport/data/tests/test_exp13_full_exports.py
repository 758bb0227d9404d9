"""Contact exports keep every email, phone and tag and the external id: each format imports
back into a fresh workspace as the same contacts, and a chunk's further values are read with
one query per linked table, whatever the number of contacts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.tests.factories import make_contact
from rapport.data import exports
from rapport.data.export_formats import vcard_stream
from rapport.data.exports import ExportColumn
from rapport.data.tests.test_qa13_round_trip import snapshot
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


@pytest.fixture
def people(workspace):
    make_contact(
        workspace,
        first_name="Zoë",
        last_name="O'Neil",
        external_id="crm-17",
        emails=["zoe@smith.example", "zoe.private@mail.example"],
        phones=["+442079460958", "+33142685300"],
        tags=["vip", "Trade show 2026"],
    )
    make_contact(
        workspace,
        first_name="Bo",
        last_name="Ray",
        emails=["bo@x.io", "b.ray@y.io", "ray@z.io"],
        phones=["+14155550100"],
        tags=["newsletter"],
    )
    make_contact(workspace, first_name="Al", last_name="Nobody")


def exported(client, extension):
    response = client.get(f"/exports/contacts.{extension}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("extension", ["csv", "xlsx", "vcf"])
def test_every_email_phone_tag_and_external_id_comes_back_in_a_fresh_workspace(
    extension, owner_client, workspace, people, other_workspace, outsider, upload, run_import
):
    before = snapshot(workspace)
    raw = exported(owner_client, extension)

    batch = upload(other_workspace, raw, name=f"contacts.{extension}", actor=outsider)
    batch = run_import(batch, actor=outsider)

    assert (batch.created, batch.failed) == (3, 0)
    assert snapshot(other_workspace) == before


def test_the_csvs_own_headers_are_suggested_for_the_fields_they_hold(
    owner_client, workspace, people, upload
):
    batch = upload(workspace, exported(owner_client, "csv"), name="contacts.csv")
    mapping = batch.mapping
    assert (mapping["email"], mapping["other_emails"]) == ("email", "email")
    assert (mapping["phone"], mapping["other_phones"]) == ("phone", "phone")
    assert (mapping["tags"], mapping["external_id"]) == ("tags", "external_id")
    assert "id" not in mapping  # a bare id is another workspace's counter, never matched


def test_the_csv_holds_the_further_emails_and_phones_joined_as_the_importer_splits_them(
    owner_client, people
):
    body = exported(owner_client, "csv").decode()
    rows = {r["first_name"]: r for r in csv.DictReader(io.StringIO(body))}
    assert rows["Bo"]["email"] == "bo@x.io"
    assert rows["Bo"]["other_emails"] == "b.ray@y.io ::: ray@z.io"
    assert (rows["Bo"]["other_phones"], rows["Al"]["other_emails"]) == ("", "")
    assert rows["Zoë"]["other_phones"] == "'+33142685300"  # a "+" cell is neutralised
    assert rows["Zoë"]["tags"] == "Trade show 2026, vip"


def test_the_card_lists_every_email_and_phone_primary_first_with_tags_and_uid(owner_client, people):
    body = exported(owner_client, "vcf").decode().replace("\r\n ", "")
    zoe = next(card for card in body.split("END:VCARD") if "Zoë" in card)
    assert "UID:crm-17\r\n" in zoe
    assert (
        "EMAIL;TYPE=INTERNET,PREF:zoe@smith.example\r\n"
        "EMAIL;TYPE=INTERNET:zoe.private@mail.example\r\n"
        "TEL;TYPE=WORK,PREF:+442079460958\r\n"
        "TEL;TYPE=WORK:+33142685300\r\n"
    ) in zoe
    assert "CATEGORIES:Trade show 2026,vip\r\n" in zoe
    bo = next(card for card in body.split("END:VCARD") if "FN:Bo Ray" in card)
    assert "UID" not in bo  # no external id: no made-up one (docs/architecture.md, exp13)
    assert "TEL;TYPE=WORK:+14155550100\r\n" in bo  # a lone value needs no preference


def test_card_values_and_each_category_are_escaped_and_folded():
    columns = [
        ExportColumn("external_id", "external_id"),
        ExportColumn("first_name", "first_name"),
        ExportColumn("tags", exports.TAGS),
    ]
    tags = ["a,b", "c;d", "back\\slash", "two\nlines", "long " + "é" * 40]
    body = "".join(
        vcard_stream(
            columns,
            [["id;1,2", "Ann", tags]],
            {"external_id": "uid", "first_name": "first_name", "tags": "categories"},
        )
    )
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    unfolded = body.replace("\r\n ", "")
    assert "UID:id\\;1\\,2\r\n" in unfolded
    assert (
        "CATEGORIES:a\\,b,c\\;d,back\\\\slash,two\\nlines,long " + "é" * 40 + "\r\n"
    ) in unfolded


def _linked_queries(queries):
    tables = ("contacts_contactemail", "contacts_contactphone", "contacts_contact_tags")
    return [sum(table in q["sql"] for q in queries) for table in tables]


def _body_queries(client):
    response = client.get("/exports/contacts.csv")
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert all(r["other_emails"] and r["other_phones"] and r["tags"] for r in rows)
    return len(rows), queries.captured_queries


def test_a_chunk_reads_each_linked_table_once_whatever_its_rows(
    owner_client, workspace, monkeypatch
):
    """With 3 rows a chunk, 4 contacts are 2 chunks and 10 are 4: one query per linked table
    and chunk, and nothing else that grows with the rows."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    seen: dict[int, int] = {}
    made = 0
    for contacts in (4, 10):
        for i in range(made, contacts):
            make_contact(
                workspace,
                first_name=f"P{i:02d}",
                emails=[f"p{i}@a.example", f"p{i}@b.example"],
                phones=[f"+1415555{i:04d}", f"+1415556{i:04d}"],
                tags=["vip", "new"],
            )
        made = contacts
        rows, queries = _body_queries(owner_client)
        chunks = -(-contacts // 3)
        assert rows == contacts
        # the phones' table twice a chunk, the further phones and every phone's kind, and in
        # the contacts' own query (the primary phone with its extension)
        assert _linked_queries(queries) == [chunks, 2 * chunks + 1, chunks]
        seen[contacts] = len(queries) - 4 * chunks
    assert seen[4] == seen[10]  # the rest: the rows' own reads, the same for any count
