"""Handlers of the class `discovery`: facilities, units, activity types and the organisations registry."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

import spec
from reference_server import problems
from reference_server.auth import Identity
from reference_server.discovery import taxonomy
from reference_server.discovery.facilities import (
    Facility,
    facility_json,
    load_facilities,
    load_facility,
    load_unit,
    unit_json,
)
from reference_server.discovery.organisations import (
    Organisation,
    load_organisation,
    load_organisations,
    load_representatives,
    organisation_json,
    representative_json,
)
from reference_server.discovery.search import FacilityQuery, Hit, search_facilities, search_organisations
from reference_server.pagination import page_response
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.settings import Settings
from reference_server.timestamps import parse_instant
from reference_server.validation import unknown_municipality_code

STAFF_PERSONAS = ("facility-administrator", "case-officer")
REPRESENTATIVE_READERS = (*STAFF_PERSONAS, "organisation-representative")


def _activity_type_error(call: Call) -> FieldError | None:
    """The schema only checks the shape of an id; the taxonomy decides whether it exists."""
    wanted = call.query.get("activityType")
    if call.settings.fault_active("unknown-activity-type-empty-result"):
        return None  # an unknown type simply matches nothing
    if wanted is not None and wanted not in taxonomy.known_ids(call.settings.release):
        return FieldError("query", f"'{wanted}' is not an activity type of the taxonomy", name="activityType")
    return None


def _municipality_error(call: Call) -> FieldError | None:
    if call.settings.fault_active("unknown-municipality-filter-matches-nothing"):
        return None  # four digits are all the schema asks for; a code no municipality has matches nothing
    return unknown_municipality_code(call.query)


def list_activity_types(call: Call) -> Response:
    if call.settings.fault_active("activity-types-without-parent"):
        # A flat code list, as the supplier's own activity table has no hierarchy.
        types = spec.activity_types(call.settings.release)
        return page_response(call, types, lambda t: {k: v for k, v in t.items() if k != "parentId"})
    return page_response(call, spec.activity_types(call.settings.release), dict)


def _facility_query(call: Call) -> FacilityQuery:
    query = call.query
    errors = [e for e in [_activity_type_error(call), _municipality_error(call)] if e]
    if "municipalityCode" not in query and call.settings.fault_active("facility-list-needs-municipality"):
        errors.append(FieldError("query", "a municipality must be chosen", name="municipalityCode"))
    near = None
    if "near" in query:
        latitude, longitude = (float(part) for part in query["near"].split(","))
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            near = (latitude, longitude)
        else:
            errors.append(FieldError("query", "latitude must be within ±90 and longitude within ±180", name="near"))
    elif "radius" in call.provided:
        errors.append(FieldError("query", "radius is only allowed together with near", name="radius"))
    open_at = None
    if "openAt" in query:
        try:
            open_at = parse_instant(query["openAt"])
        except ValueError as exc:
            errors.append(FieldError("query", f"cannot be used: {exc}", name="openAt"))
    if errors:
        raise problems.validation_error(errors)
    return FacilityQuery(
        activity_type=query.get("activityType"),
        near=near,
        radius_m=float(query["radius"]),
        open_at=open_at,
        accessibility=tuple(query.get("accessibility", ())),
        q=query.get("q"),
        min_capacity=query.get("minCapacity") if call.settings.states("DISC-015") else None,
    )


def list_facilities(call: Call) -> Response:
    search = _facility_query(call)
    settings = call.settings
    municipality_code, ownership = call.query.get("municipalityCode"), call.query.get("ownership")
    if settings.fault_active("municipality-filter-ignored"):
        municipality_code = None  # an installation for one municipality never reads the parameter
    if ownership == "owned" and settings.fault_active("ownership-owned-not-filtered"):
        ownership = None  # only 'rented' was thought of as a filter; 'owned' is taken for the default
    with call.services.storage.read() as conn:
        candidates = load_facilities(conn, municipality_code=municipality_code, ownership=ownership)
    if (municipality_code or ownership) and settings.fault_active("database-filter-skips-search-filters"):
        search = FacilityQuery()  # the database-only path: the in-memory filters are never applied
    hits = search_facilities(candidates, search, settings)

    def render(hit: Hit) -> dict[str, Any]:
        body = facility_json(hit.facility, settings, distance_meters=hit.distance_m)
        if settings.fault_active("facility-list-without-units"):
            body["units"] = []  # the list view never loads units; only GET /facilities/{id} does
        return body

    return page_response(call, hits, render)


def _facility_or_404(call: Call) -> Facility:
    facility_id = call.path["facilityId"]
    with call.services.storage.read() as conn:
        facility = load_facility(conn, facility_id)
    if facility is None:
        raise problems.not_found(f"No facility with id {facility_id}.")
    return facility


def get_facility(call: Call) -> Response:
    return json_response(facility_json(_facility_or_404(call), call.settings))


def list_facility_units(call: Call) -> Response:
    if call.settings.fault_active("unknown-facility-units-empty"):
        # Units queried by facilityId alone: an unknown facility just has none.
        with call.services.storage.read() as conn:
            facility = load_facility(conn, call.path["facilityId"])
        units = facility.units if facility else ()
    else:
        units = _facility_or_404(call).units
    return page_response(call, units, lambda unit: unit_json(unit, call.settings))


def get_unit(call: Call) -> Response:
    unit_id = call.path["unitId"]
    with call.services.storage.read() as conn:
        unit = load_unit(conn, unit_id)
    if unit is None:
        raise problems.not_found(f"No unit with id {unit_id}.")
    return json_response(unit_json(unit, call.settings))


def list_organisations(call: Call) -> Response:
    errors = [e for e in [_activity_type_error(call), _municipality_error(call)] if e]
    if errors:
        raise problems.validation_error(errors)
    organisation_type = call.query.get("type")
    if call.settings.fault_active("organisation-type-filter-ignored"):
        organisation_type = None  # accepted by the schema, never passed on to the query
    with call.services.storage.read() as conn:
        candidates = load_organisations(
            conn,
            municipality_code=call.query.get("municipalityCode"),
            organisation_type=organisation_type,
        )
    found = search_organisations(
        candidates,
        activity_type=call.query.get("activityType"),
        q=call.query.get("q"),
        settings=call.settings,
    )
    return page_response(call, found, lambda o: organisation_json(o, call.settings))


def get_organisation(call: Call) -> Response:
    organisation_id = call.path["organisationId"]
    with call.services.storage.read() as conn:
        organisation = load_organisation(conn, organisation_id)
        people = load_representatives(conn, organisation_id) if organisation else []
    if organisation is None:
        raise problems.not_found(f"No organisation with id {organisation_id}.")
    body = organisation_json(organisation, call.settings)
    if call.settings.fault_active("organisation-leaks-representatives"):
        # The whole registry record serialised, contacts and all.
        body["representatives"] = [
            {
                "givenName": p.given_name,
                "familyName": p.family_name,
                "role": p.role,
                "personalIdentityNumber": p.personal_identity_number,
            }
            for p in people
        ]
    return json_response(body)


def _may_read_representatives(identity: Identity, organisation: Organisation, settings: Settings) -> bool:
    """Staff of the organisation's municipality and its own representatives, decided by persona first."""
    in_municipality = identity.claim("municipalityCode") == organisation.municipality_code
    if settings.fault_active("claims-grant-rights-regardless-of-persona") and in_municipality:
        return True
    if identity.persona in STAFF_PERSONAS:
        return in_municipality or settings.fault_active("staff-access-any-municipality")
    if identity.persona == "organisation-representative":
        own = identity.claim("organisationId") == organisation.id
        return own or settings.fault_active("representative-reads-other-organisations")
    return False


def _persona_never_reads_representatives(identity: Identity | None, settings: Settings) -> bool:
    """A citizen or a system client may read no organisation's representatives: known from the token alone,
    so it is answered before the organisation is looked up (CORE-027) and tells nothing of which exist."""
    looked_up_first = settings.fault_active("not-found-before-forbidden") or settings.fault_active(
        "claims-grant-rights-regardless-of-persona"  # there the claims, read with the organisation, decide
    )
    return identity is not None and identity.persona not in REPRESENTATIVE_READERS and not looked_up_first


def list_organisation_representatives(call: Call) -> Response:
    identity = call.identity
    organisation_id = call.path["organisationId"]
    if _persona_never_reads_representatives(identity, call.settings):
        raise problems.forbidden("Only facility administrators, case officers and representatives may read this.")
    with call.services.storage.read() as conn:
        organisation = load_organisation(conn, organisation_id)
        people = load_representatives(conn, organisation_id) if organisation else []
    if organisation is None:
        raise problems.not_found(f"No organisation with id {organisation_id}.")
    if identity is None:  # only under not-found-before-unauthorized; routing authenticates first otherwise
        raise problems.unauthorized("This operation needs a Bearer token.", token_presented=False)
    if not call.settings.fault_active("representatives-readable-by-anyone-authenticated") and not (
        _may_read_representatives(identity, organisation, call.settings)
    ):
        raise problems.forbidden(
            f"Only staff of municipality {organisation.municipality_code} and the organisation's own "
            "representatives may read its representatives."
        )
    return page_response(call, people, lambda p: representative_json(p, call.settings))


HANDLERS: dict[str, Handler] = {
    "listActivityTypes": list_activity_types,
    "listFacilities": list_facilities,
    "getFacility": get_facility,
    "listFacilityUnits": list_facility_units,
    "getUnit": get_unit,
    "listOrganisations": list_organisations,
    "getOrganisation": get_organisation,
    "listOrganisationRepresentatives": list_organisation_representatives,
}
