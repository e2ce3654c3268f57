"""Hot-path reads whose SQL is compiled once instead of on every call.

Django builds a queryset's SQL each time it is evaluated. For the rows the
chat socket reads on every send — a membership with its user and room, about
ninety columns — that is close to a millisecond of Python for a query the
database answers in tens of microseconds (bench/results/2026-12-06.analysis.md).

    MEMBER_IN_ROOM = Prepared(
        lambda user_id, room_id: Membership.objects.select_related("user", "room")
        .filter(user_id=user_id, room_id=room_id)
        .order_by("pk")[:1]
    )
    membership = MEMBER_IN_ROOM.first(user.pk, room.pk)

The builder is called once per thread and database with stand-in integers;
each stand-in must appear exactly once among the compiled query's parameters
(checked then: a builder that turns its argument into something else fails
loudly at the first call, not silently later). Calls put their own values
in those places. Arguments are integers (ids) or, declared with
`args=(int, str)`, strings; rows come back as the model
instances the queryset would have made, related objects included, through
Django's own converters and populators.

A `values_list()` queryset gives its tuples (or, flat, its values) instead
of instances.

A query over a list of ids is one Prepared per length (PreparedFamily):

    MEMBERSHIPS = PreparedFamily(lambda *pks: Membership.objects.filter(pk__in=pks))
    rows = MEMBERSHIPS.all([3, 5, 8])

Fixed arguments may come before the list (`lead`), and a list used only in
`IN (...)` may be padded to the next power of two by repeating its last
item (`pad`), so a handful of statements serve every length:

    BLOCKED = PreparedFamily(
        lambda user_id, *ids: Block.objects.filter(blocker_id=user_id, blocked_id__in=ids)
        .values_list("blocked_id", flat=True),
        lead=(int,), pad=True,
    )
    BLOCKED.all([3, 5, 8], user.pk)
"""

import inspect
import threading
from dataclasses import dataclass

from django.db import connections, router
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    QuerySet,
    ValuesListIterable,
    get_related_populators,
)

# Stand-in parameter values: integers no id of this project reaches.
_STAND_IN = 7_340_032_001


@dataclass
class _Compiled:
    db: str
    sql: str
    params: list
    positions: list[list[int]]  # each argument's places among the params
    values: str | None  # "tuples" or "flat" for a values_list() queryset
    col_count: int
    connection: object
    compiler: object
    converters: dict
    model: type
    start: int
    end: int
    init_list: list[str]
    populators: list


def _places(stand_ins: list, params: list) -> list[list[int]]:
    """Where each stand-in sits among the compiled statement's parameters."""
    positions = []
    for i, value in enumerate(stand_ins):
        places = [at for at, param in enumerate(params) if param == value]
        if not places:
            raise ValueError(f"Prepared query: argument {i} must appear as given in {params!r}")
        positions.append(places)
    return positions


class Prepared:
    def __init__(self, build, args: tuple[type, ...] | None = None):
        """`args`: the type of each argument, int (the default) or str."""
        self._build = build
        # A builder taking *args says how many through `args`.
        takes_any = bool(build.__code__.co_flags & inspect.CO_VARARGS)
        self._nargs = len(args) if args is not None and takes_any else build.__code__.co_argcount
        self._types = args or (int,) * self._nargs
        if len(self._types) != self._nargs or not set(self._types) <= {int, str}:
            raise TypeError("Prepared: one type per argument of the builder, int or str")
        self._local = threading.local()

    def _compiled(self) -> _Compiled:
        compiled = getattr(self._local, "compiled", None)
        if compiled is not None:
            return compiled
        stand_ins = [
            _STAND_IN + i if kind is int else f"\x1fprepared-argument-{i}\x1f" for i, kind in enumerate(self._types)
        ]
        queryset = self._build(*stand_ins)
        # What the rows are made into here is Django's plain model iterable:
        # refuse a queryset that would make something else of them, rather
        # than silently drop its extras.
        query = queryset.query
        values = {ValuesListIterable: "tuples", FlatValuesListIterable: "flat"}.get(queryset._iterable_class)
        if (
            query.annotation_select
            or query.extra_select
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or (queryset._iterable_class is not ModelIterable and values is None)
            or type(queryset)._fetch_all is not QuerySet._fetch_all
        ):
            raise ValueError("Prepared: only plain model querysets (select_related, filters, order, slice)")
        db = queryset.db
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = _places(stand_ins, params)
        # Built again with other stand-ins, the arguments must sit in the same
        # places: a fixed value that happens to equal a stand-in, or a
        # builder whose statement depends on its arguments' values, fails
        # here instead of being filled with the caller's argument later.
        others = [value + 1_000 if isinstance(value, int) else f"{value}other" for value in stand_ins]
        other_sql, other_params = self._build(*others).query.get_compiler(using=db).as_sql()
        if other_sql != sql or _places(others, list(other_params)) != positions:
            raise ValueError("Prepared query: the statement changes with its arguments' values")
        select, klass_info = compiler.select, compiler.klass_info
        if values:
            start = end = 0
            model, init_list, populators = None, [], []
        else:
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            model = klass_info["model"]
            init_list = [s[0].target.attname for s in select[start:end]]
            populators = get_related_populators(klass_info, select, db)
        compiled = _Compiled(
            db=db,
            sql=sql,
            params=params,
            positions=positions,
            values=values,
            col_count=compiler.col_count,
            connection=connections[db],
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            model=model,
            start=start,
            end=end,
            init_list=init_list,
            populators=populators,
        )
        self._local.compiled = compiled
        return compiled

    def all(self, *args) -> list:
        if len(args) != self._nargs or any(type(a) is not t for a, t in zip(args, self._types, strict=True)):
            raise TypeError(f"Prepared query takes arguments of types {self._types}, got {args!r}")
        c = self._compiled()
        params = list(c.params)
        for places, value in zip(c.positions, args, strict=True):
            for position in places:
                params[position] = value
        with c.connection.cursor() as cursor:
            cursor.execute(c.sql, params)
            rows = cursor.fetchall()
        if c.converters:
            rows = c.compiler.apply_converters(rows, c.converters)
        if c.values == "flat":
            return [row[0] for row in rows]
        if c.values == "tuples":
            return [tuple(row[: c.col_count]) for row in rows]
        found = []
        for row in rows:
            obj = c.model.from_db(c.db, c.init_list, row[c.start : c.end])
            for populator in c.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, *args):
        rows = self.all(*args)
        return rows[0] if rows else None


class PreparedFamily:
    """A Prepared query per number of arguments, for a builder that takes any
    number (`*ids`): a list of ids becomes the arguments of the one compiled
    for its length. Lists longer than `chunk` are read in chunks of that
    length, so at most `chunk` queries are ever compiled (and no statement
    outgrows the database's limit on parameters). `per_item` is how many
    arguments one item of the list is (two for (user id, room id) pairs), and
    `item` their type (int or str).

    `lead`: the types of fixed arguments the builder takes before the list's
    (given after the list to `all`). `pad`: a list is padded to the next
    power of two (at most `chunk`) by repeating its last item, so at most
    log2(chunk) + 1 statements are compiled; only for a builder in which a
    repeated item changes nothing (ids in `__in`). Nothing is read for an
    empty list."""

    def __init__(self, build, *, per_item: int = 1, chunk: int = 32, item: type = int, lead=(), pad: bool = False):
        self._build = build
        self._per_item = per_item
        self._chunk = chunk
        self._item = item
        self._lead = tuple(lead)
        self._pad = pad
        self._by_length: dict[int, Prepared] = {}

    def _member(self, items: int) -> Prepared:
        prepared = self._by_length.get(items)
        if prepared is None:
            args = self._lead + (self._item,) * (items * self._per_item)
            # setdefault: two threads compiling the same length keep one.
            prepared = self._by_length.setdefault(items, Prepared(self._build, args=args))
        return prepared

    def all(self, items: list, *lead) -> list:
        """The rows for `items` (ids, or tuples of `per_item` ids), with the
        fixed arguments `lead` first."""
        if len(lead) != len(self._lead):
            raise TypeError(f"Prepared family takes {len(self._lead)} fixed arguments, got {lead!r}")
        found = []
        for start in range(0, len(items), self._chunk):
            part = list(items[start : start + self._chunk])
            if self._pad:
                size = 1
                while size < len(part):
                    size *= 2
                part += part[-1:] * (min(size, self._chunk) - len(part))
            args = part if self._per_item == 1 else [value for item in part for value in item]
            found += self._member(len(part)).all(*lead, *args)
        return found


class PreparedInsert:
    """One new row's INSERT with its id back (`RETURNING`, SQLite 3.35+ and
    PostgreSQL), its SQL written once per thread. Values go through each
    field's `pre_save` and `get_db_prep_save`, as `Model.save()` sends them;
    what it skips is the work of building the statement and the model signals
    (this project connects none to the models it is used for; a test holds
    that). For rows written on every chat message.

        MESSAGE_INSERT = PreparedInsert(Message)
        MESSAGE_INSERT.save_new(Message(room=room, author=author, body=...))
    """

    def __init__(self, model):
        self.model = model
        self._local = threading.local()

    def _compiled(self):
        compiled = getattr(self._local, "compiled", None)
        if compiled is None:
            meta = self.model._meta
            fields = [f for f in meta.local_concrete_fields if not f.primary_key]
            db = router.db_for_write(self.model)
            connection = connections[db]
            quote = connection.ops.quote_name
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}"
            )
            compiled = self._local.compiled = (db, connection, fields, sql)
        return compiled

    def save_new(self, obj):
        if not obj._state.adding or obj.pk is not None:
            raise ValueError("PreparedInsert.save_new takes a new, unsaved instance.")
        db, connection, fields, sql = self._compiled()
        obj._prepare_related_fields_for_save(operation_name="save")
        values = []
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"PreparedInsert: {field.name} is an expression; use Model.save()")
            values.append(field.get_db_prep_save(value, connection))
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            (pk,) = cursor.fetchone()
        obj.pk = obj._meta.pk.to_python(pk)
        obj._state.adding = False
        obj._state.db = db
        return obj

    def save_new_many(self, objs: list) -> list:
        """save_new for several new rows in one multi-row INSERT. Ids are
        handed out in the order the rows are inserted (a PostgreSQL sequence,
        SQLite's rowid), so the returned ids, sorted, belong to `objs` in
        order, whatever order RETURNING lists them in (SQLite leaves it
        unspecified). The count is checked."""
        if len(objs) <= 1:
            return [self.save_new(obj) for obj in objs]
        db, connection, fields, sql = self._compiled()
        values = []
        for obj in objs:
            if not obj._state.adding or obj.pk is not None:
                raise ValueError("PreparedInsert.save_new_many takes new, unsaved instances.")
            obj._prepare_related_fields_for_save(operation_name="save")
            for field in fields:
                value = field.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    raise TypeError(f"PreparedInsert: {field.name} is an expression; use Model.save()")
                values.append(field.get_db_prep_save(value, connection))
        head, _, tail = sql.partition(" VALUES ")
        row, _, returning = tail.partition(" RETURNING ")
        many_sql = f"{head} VALUES {', '.join([row] * len(objs))} RETURNING {returning}"
        with connection.cursor() as cursor:
            cursor.execute(many_sql, values)
            pks = sorted(pk for (pk,) in cursor.fetchall())
        if len(pks) != len(objs):
            raise RuntimeError(f"PreparedInsert: {len(objs)} rows inserted, {len(pks)} ids returned")
        for obj, pk in zip(objs, pks, strict=True):
            obj.pk = obj._meta.pk.to_python(pk)
            obj._state.adding = False
            obj._state.db = db
        return objs
