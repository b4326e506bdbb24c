//! One way to speak SQL to SQLite or PostgreSQL: a connection, transactions,
//! parameters and rows, so every query in the gateway is written once.
//!
//! Queries are written in SQLite's numbered style (`?1`, `?2`) in the SQL both
//! engines share; for PostgreSQL the placeholders become `$1`, `$2` (outside
//! string literals) and prepared statements are cached per connection. Values
//! cross as [`Value`]: integers, reals, text, bytes or null, converted to the
//! column's type on PostgreSQL (an integer into a `BIGINT`, a boolean into
//! `1`/`0`), so a row reads the same from either engine.
//!
//! A transaction ([`Conn::transaction`]) takes the database's write lock at
//! its start: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock
//! on PostgreSQL. Writers therefore run one after another on both engines, and
//! a check-then-insert inside a transaction (an idempotency key, a wrong-guess
//! counter) holds across any number of gateway processes on one database. A
//! transaction begun inside another is a savepoint of it.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    fmt,
};

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// The advisory lock every PostgreSQL write transaction takes (any constant
/// shared by all gateways; "cds" in ASCII).
const WRITE_LOCK: i64 = 0x0063_6473;

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// A query that must return a row returned none (see [`Optional`]).
    #[error("the query returned no row")]
    NoRows,
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// A column's value is not the type the code reads it as.
    #[error("column {column}: expected {expected}, found {found}")]
    Type {
        column: usize,
        expected: &'static str,
        found: &'static str,
    },
    /// A column of a type this layer does not carry (cast it in the query).
    #[error("column {column}: unsupported type {ty}")]
    Unsupported { column: usize, ty: String },
}

impl SqlError {
    /// A unique constraint refused a row (a concurrent duplicate).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            SqlError::Postgres(err) => {
                err.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
            }
            SqlError::Sqlite(rusqlite::Error::SqliteFailure(err, _)) => {
                err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            }
            _ => false,
        }
    }

    /// The database cannot be reached now (closed connection, server shut
    /// down or restarting, too many connections): worth retrying later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            SqlError::Postgres(err) => {
                if err.is_closed() {
                    return true;
                }
                match err.code() {
                    // Class 08 (connection exception), 57P01..57P03 (admin
                    // shutdown, crash shutdown, cannot connect now), 53300
                    // (too many connections).
                    Some(code) => {
                        let code = code.code();
                        code.starts_with("08") || code.starts_with("57P") || code == "53300"
                    }
                    // No SQL state: an IO error under the protocol.
                    None => true,
                }
            }
            SqlError::Sqlite(rusqlite::Error::SqliteFailure(err, _)) => matches!(
                err.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }
}

/// The server's own words for an error ("db error" alone says nothing).
pub(crate) fn postgres_message(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => {
            let mut message = format!("{} ({})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                message.push_str(": ");
                message.push_str(detail);
            }
            message
        }
        None => err.to_string(),
    }
}

pub type Result<T, E = SqlError> = std::result::Result<T, E>;

/// `.optional()` on a query's result: no row becomes `None`.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(SqlError::NoRows) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// A value crossing to or from either engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }
}

impl From<i64> for Value {
    fn from(int: i64) -> Value {
        Value::Int(int)
    }
}
impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

/// A Rust value that can be a query's parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, i16, u16, i8, u8);

impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for u64 {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// A query's parameters: `params![a, b]`, an array `[a, b]`, `[]`, or a
/// `Vec<Value>` built at run time.
pub trait Params {
    fn into_values(self) -> Vec<Value>;
}

impl Params for [&dyn ToValue; 0] {
    fn into_values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for &[&dyn ToValue] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(|value| value.to_value()).collect()
    }
}
impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}
macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn into_values(self) -> Vec<Value> {
                self.iter().map(ToValue::to_value).collect()
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6, 7, 8);

/// Parameters of different types: `params![id, name, None::<i64>]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$(&$value as &dyn $crate::sql::ToValue),*] as &[&dyn $crate::sql::ToValue]
    };
}
pub(crate) use params;

/// A value read from a row.
pub trait FromValue: Sized {
    fn from_value(value: &Value, column: usize) -> Result<Self>;
}

fn mismatch<T>(value: &Value, column: usize, expected: &'static str) -> Result<T> {
    Err(SqlError::Type {
        column,
        expected,
        found: value.kind(),
    })
}

impl FromValue for i64 {
    fn from_value(value: &Value, column: usize) -> Result<Self> {
        match value {
            Value::Int(int) => Ok(*int),
            other => mismatch(other, column, "integer"),
        }
    }
}
macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value, column: usize) -> Result<Self> {
                let int = i64::from_value(value, column)?;
                <$t>::try_from(int).or_else(|_| mismatch(value, column, stringify!($t)))
            }
        }
    )*};
}
int_from_value!(i32, u32, u64, usize, u16, u8);

impl FromValue for bool {
    fn from_value(value: &Value, column: usize) -> Result<Self> {
        Ok(i64::from_value(value, column)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(value: &Value, column: usize) -> Result<Self> {
        match value {
            Value::Real(real) => Ok(*real),
            #[allow(clippy::cast_precision_loss)] // Whole numbers stored in a real column.
            Value::Int(int) => Ok(*int as f64),
            other => mismatch(other, column, "real"),
        }
    }
}
impl FromValue for String {
    fn from_value(value: &Value, column: usize) -> Result<Self> {
        match value {
            Value::Text(text) => Ok(text.clone()),
            other => mismatch(other, column, "text"),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(value: &Value, column: usize) -> Result<Self> {
        match value {
            Value::Blob(bytes) => Ok(bytes.clone()),
            Value::Text(text) => Ok(text.clone().into_bytes()),
            other => mismatch(other, column, "bytes"),
        }
    }
}
impl FromValue for Value {
    fn from_value(value: &Value, _column: usize) -> Result<Self> {
        Ok(value.clone())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value, column: usize) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other, column).map(Some),
        }
    }
}

/// A column index (`row.get(0)`, `row.get::<_, String>(1)`).
pub trait RowIndex {
    fn index(self) -> usize;
}
impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One row of a result, read from either engine.
#[derive(Debug)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub fn get<I: RowIndex, T: FromValue>(&self, index: I) -> Result<T> {
        let index = index.index();
        match self.values.get(index) {
            Some(value) => T::from_value(value, index),
            None => mismatch(&Value::Null, index, "a column"),
        }
    }
}

/// Which database a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection to either engine. Methods take `&self` so a transaction and
/// the functions it calls can share it.
pub struct Conn {
    inner: Inner,
    /// Open transactions: 0 none, 1 a transaction, more its savepoints.
    depth: Cell<u32>,
}

enum Inner {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<PgConn>>),
}

struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conn({:?})", self.engine())
    }
}

impl Conn {
    pub fn sqlite(conn: rusqlite::Connection) -> Conn {
        Conn {
            inner: Inner::Sqlite(conn),
            depth: Cell::new(0),
        }
    }

    pub fn postgres(client: postgres::Client) -> Conn {
        Conn {
            inner: Inner::Postgres(Box::new(RefCell::new(PgConn {
                client,
                statements: HashMap::new(),
            }))),
            depth: Cell::new(0),
        }
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite connection underneath (pragmas and migrations), if SQLite.
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Sqlite(conn) => Some(conn),
            Inner::Postgres(_) => None,
        }
    }

    /// A PostgreSQL connection that has failed for good (the server went
    /// away): the pool drops it and opens another.
    pub fn is_broken(&self) -> bool {
        match &self.inner {
            Inner::Sqlite(_) => false,
            Inner::Postgres(pg) => pg.try_borrow().map_or(true, |pg| pg.client.is_closed()),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.into_values();
        match &self.inner {
            Inner::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                Ok(statement.execute(rusqlite::params_from_iter(values.iter().map(lite)))?)
            }
            Inner::Postgres(pg) => {
                let mut pg = pg.borrow_mut();
                let statement = pg.statement(sql)?;
                let args: Vec<&(dyn ToSql + Sync)> =
                    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let changed = pg.client.execute(&statement, &args)?;
                Ok(usize::try_from(changed).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Inner::Postgres(pg) => Ok(pg.borrow_mut().client.batch_execute(sql)?),
        }
    }

    /// All rows of a query, each read by `f`.
    pub fn query_rows<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let values = params.into_values();
        let mut out = Vec::new();
        match &self.inner {
            Inner::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows =
                    statement.query(rusqlite::params_from_iter(values.iter().map(lite)))?;
                while let Some(row) = rows.next()? {
                    out.push(f(&lite_row(row, columns)?)?);
                }
            }
            Inner::Postgres(pg) => {
                let rows = {
                    let mut pg = pg.borrow_mut();
                    let statement = pg.statement(sql)?;
                    let args: Vec<&(dyn ToSql + Sync)> =
                        values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    pg.client.query(&statement, &args)?
                };
                for row in &rows {
                    out.push(f(&from_pg(row)?)?);
                }
            }
        }
        Ok(out)
    }

    /// The first row of a query read by `f`; [`SqlError::NoRows`] if none.
    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let values = params.into_values();
        let row = match &self.inner {
            Inner::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows =
                    statement.query(rusqlite::params_from_iter(values.iter().map(lite)))?;
                let Some(row) = rows.next()? else {
                    return Err(SqlError::NoRows);
                };
                lite_row(row, columns)?
            }
            Inner::Postgres(pg) => {
                let mut pg = pg.borrow_mut();
                let statement = pg.statement(sql)?;
                let args: Vec<&(dyn ToSql + Sync)> =
                    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let row = pg.client.query_opt(&statement, &args)?;
                match row {
                    Some(row) => from_pg(&row)?,
                    None => return Err(SqlError::NoRows),
                }
            }
        };
        f(&row)
    }

    /// A statement to run with [`Statement::query_map`] (kept for the
    /// familiar shape; the SQL is prepared and cached by the connection).
    pub fn prepare<'c>(&'c self, sql: &str) -> Result<Statement<'c>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// The same as [`Conn::prepare`].
    pub fn prepare_cached<'c>(&'c self, sql: &str) -> Result<Statement<'c>> {
        self.prepare(sql)
    }

    /// Starts a write transaction holding the database's write lock; it
    /// rolls back unless committed.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        self.begin(true)
    }

    /// Starts a write transaction that does not take PostgreSQL's write
    /// lock, so that such transactions run side by side there: only for
    /// writes whose exactness a unique constraint guarantees (a concurrent
    /// duplicate fails with [`SqlError::is_unique_violation`]). On SQLite it
    /// is [`Conn::transaction`] (one writer at a time anyway).
    pub fn concurrent_transaction(&self) -> Result<Transaction<'_>> {
        self.begin(false)
    }

    fn begin(&self, locked: bool) -> Result<Transaction<'_>> {
        let level = self.depth.get();
        if level > 0 {
            // Inside a transaction: a savepoint, released by its commit,
            // rolled back to when dropped uncommitted.
            self.execute_batch(&format!("SAVEPOINT cds_{level}"))?;
            self.depth.set(level + 1);
            return Ok(Transaction {
                conn: self,
                level,
                done: false,
            });
        }
        match self.engine() {
            Engine::Sqlite => self.execute_batch("BEGIN IMMEDIATE")?,
            Engine::Postgres => {
                self.execute_batch("BEGIN")?;
                if locked {
                    let lock =
                        self.execute_batch(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"));
                    if let Err(err) = lock {
                        let _ = self.execute_batch("ROLLBACK");
                        return Err(err);
                    }
                }
            }
        }
        self.depth.set(1);
        Ok(Transaction {
            conn: self,
            level: 0,
            done: false,
        })
    }
}

/// A write transaction (or a savepoint inside one); derefs to its connection.
pub struct Transaction<'c> {
    conn: &'c Conn,
    /// 0: the transaction; n: the savepoint `cds_n`.
    level: u32,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.conn.depth.set(self.level);
        if self.level > 0 {
            return self
                .conn
                .execute_batch(&format!("RELEASE cds_{}", self.level));
        }
        if let Err(err) = self.conn.execute_batch("COMMIT") {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(err);
        }
        Ok(())
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.conn.depth.set(self.level);
        let _ = if self.level > 0 {
            self.conn
                .execute_batch(&format!("ROLLBACK TO cds_{0}; RELEASE cds_{0}", self.level))
        } else {
            self.conn.execute_batch("ROLLBACK")
        };
    }
}

/// A query prepared on a connection.
pub struct Statement<'c> {
    conn: &'c Conn,
    sql: String,
}

impl Statement<'_> {
    /// Runs the statement; the number of rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    /// Every row read by `f`, as an iterator of results.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self.conn.query_rows(&self.sql, params, |row| Ok(f(row)))?;
        Ok(rows.into_iter())
    }
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&to_postgres(sql))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// `?1` → `$1` and a bare `?` → the next number, outside quoted text.
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut next = 1;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                        out.push(digit);
                    }
                } else {
                    out.push_str(&next.to_string());
                    next += 1;
                }
            }
            None => out.push(c),
        }
    }
    out
}

fn lite(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(int) => rusqlite::types::Value::Integer(*int),
        Value::Real(real) => rusqlite::types::Value::Real(*real),
        Value::Text(text) => rusqlite::types::Value::Text(text.clone()),
        Value::Blob(bytes) => rusqlite::types::Value::Blob(bytes.clone()),
    }
}

/// A SQLite row's first `columns` values.
fn lite_row(row: &rusqlite::Row<'_>, columns: usize) -> Result<Row> {
    let mut values = Vec::with_capacity(columns);
    for index in 0..columns {
        values.push(from_lite(row.get_ref(index)?));
    }
    Ok(Row { values })
}

fn from_lite(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(int) => Value::Int(int),
        ValueRef::Real(real) => Value::Real(real),
        ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

fn from_pg(row: &postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = match *ty {
            Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(index)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(index)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(index)?
                .map(|v| Value::Int(v.into())),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map(Value::Real),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(index)?
                .map(|v| Value::Real(v.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                row.try_get::<_, Option<String>>(index)?.map(Value::Text)
            }
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Blob),
            _ => {
                return Err(SqlError::Unsupported {
                    column: index,
                    ty: ty.name().to_owned(),
                });
            }
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row { values })
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(int), &Type::INT8) => int.to_sql(ty, out),
            (Value::Int(int), &Type::INT4) => i32::try_from(*int)?.to_sql(ty, out),
            (Value::Int(int), &Type::INT2) => i16::try_from(*int)?.to_sql(ty, out),
            (Value::Int(int), &Type::BOOL) => (*int != 0).to_sql(ty, out),
            #[allow(clippy::cast_precision_loss)] // Whole numbers into a real column.
            (Value::Int(int), &Type::FLOAT8) => (*int as f64).to_sql(ty, out),
            (Value::Int(int), _) if is_text(ty) => int.to_string().to_sql(&Type::TEXT, out),
            (Value::Real(real), &Type::FLOAT8) => real.to_sql(ty, out),
            #[allow(clippy::cast_possible_truncation)] // A real column declared single precision.
            (Value::Real(real), &Type::FLOAT4) => (*real as f32).to_sql(ty, out),
            (Value::Text(text), _) if is_text(ty) => text.as_str().to_sql(&Type::TEXT, out),
            (Value::Blob(bytes), &Type::BYTEA) => bytes.as_slice().to_sql(ty, out),
            (value, ty) => {
                Err(format!("a {} value for a {} parameter", value.kind(), ty.name()).into())
            }
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        assert_eq!(
            to_postgres("SELECT '?1', a FROM t WHERE b = ?2 AND c = ?12 OR d = ?"),
            "SELECT '?1', a FROM t WHERE b = $2 AND c = $12 OR d = $1"
        );
    }

    #[test]
    fn sqlite_rows_read_as_values() {
        let conn = Conn::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB)")
            .unwrap();
        conn.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            params![7_i64, "bảy", 7.5_f64, vec![7_u8]],
        )
        .unwrap();
        let row: (i64, String, f64, Vec<u8>, Option<String>) = conn
            .query_row("SELECT a, b, c, d, NULL FROM t", [], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            })
            .unwrap();
        assert_eq!(row, (7, "bảy".to_owned(), 7.5, vec![7], None));
        let missing = conn
            .query_row("SELECT a FROM t WHERE a = ?1", [8], |row| {
                row.get::<_, i64>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(missing, None);
        let wrong = conn.query_row("SELECT b FROM t", [], |row| row.get::<_, i64>(0));
        assert!(matches!(wrong, Err(SqlError::Type { column: 0, .. })));
    }

    #[test]
    fn a_transaction_rolls_back_unless_committed() {
        let conn = Conn::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.execute_batch("CREATE TABLE t (a INTEGER)").unwrap();
        {
            let tx = conn.transaction().unwrap();
            tx.execute("INSERT INTO t VALUES (1)", []).unwrap();
        }
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (2)", []).unwrap();
        tx.commit().unwrap();
        let all = conn
            .query_rows("SELECT a FROM t", [], |row| row.get::<_, i64>(0))
            .unwrap();
        assert_eq!(all, vec![2]);
        // Inside a transaction, a nested one is a savepoint.
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (3)", []).unwrap();
        {
            let inner = tx.transaction().unwrap();
            inner.execute("INSERT INTO t VALUES (4)", []).unwrap();
        }
        let inner = tx.transaction().unwrap();
        inner.execute("INSERT INTO t VALUES (5)", []).unwrap();
        inner.commit().unwrap();
        tx.commit().unwrap();
        let all = conn
            .query_rows("SELECT a FROM t ORDER BY a", [], |row| row.get::<_, i64>(0))
            .unwrap();
        assert_eq!(all, vec![2, 3, 5]);
    }
}
