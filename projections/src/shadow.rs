//! Fresh tables for a rebuild on PostgreSQL, swapped in when the rebuild is complete.
//!
//! A rebuild that empties a projection's tables with `DELETE` and refills them in the same
//! transaction keeps every old row in the tables and their indexes until it commits: each lookup and
//! each insert of a key the old rows held visits the dead row, and PostgreSQL spends its time trying
//! to clear index pages it cannot clear yet (`heap_index_delete_tuples`, a tenth of a rebuild's
//! CPU). So a rebuild on PostgreSQL writes into copies of the tables instead, made in a schema of
//! its own: same columns, defaults, checks, constraints and indexes under the same names. The
//! transaction's `search_path` puts that schema first, so the projection's statements, which name
//! their tables unqualified, write into the copies while everything else (the log, the checkpoints)
//! resolves as usual. At the end the old tables are dropped and the copies moved in, still inside the
//! rebuild's transaction: readers see the old rows until it commits, and wait only for the swap.
//!
//! Privileges granted on the old tables to other roles are not carried over (docs/operations.md).

use sqlx::{PgConnection, Row};

use crate::error::ProjectionError;

/// The copies of one projection's tables, while a rebuild fills them.
#[derive(Debug)]
pub struct Shadow {
    /// The schema holding the copies.
    schema: String,
    /// The schema of the tables (the connection's current schema).
    home: String,
    /// The `search_path` before the rebuild set its own.
    search_path: String,
    tables: &'static [&'static str],
    /// The indexes other than the constraints', made when the copies are full: building an index
    /// at once is cheaper than growing it row by row, and the rebuild finds its rows by key.
    indexes: Vec<String>,
}

impl Shadow {
    /// Creates empty copies of `tables` and points the transaction's `search_path` at them.
    pub async fn create(
        conn: &mut PgConnection,
        projection: &str,
        tables: &'static [&'static str],
    ) -> Result<Shadow, ProjectionError> {
        let row = sqlx::query("SELECT current_schema(), current_setting('search_path')")
            .fetch_one(&mut *conn)
            .await?;
        let mut shadow = Shadow {
            schema: format!("grants_rebuild_{projection}"),
            home: row.try_get(0)?,
            search_path: row.try_get(1)?,
            tables,
            indexes: Vec::new(),
        };
        execute(conn, format!("CREATE SCHEMA {}", shadow.schema)).await?;
        for table in tables {
            shadow.copy(conn, table).await?;
        }
        execute(
            conn,
            format!("SET LOCAL search_path = {}, {}", shadow.schema, shadow.home),
        )
        .await?;
        Ok(shadow)
    }

    /// One table's copy: columns with their defaults, checks and comments, then the constraints
    /// under their names; the other indexes are noted for [`Shadow::swap`].
    async fn copy(&mut self, conn: &mut PgConnection, table: &str) -> Result<(), ProjectionError> {
        let (schema, home) = (&self.schema, &self.home);
        let original = format!("{home}.{table}");
        execute(
            conn,
            format!(
                "CREATE TABLE {schema}.{table} (LIKE {original} INCLUDING ALL EXCLUDING INDEXES)"
            ),
        )
        .await?;
        let constraints = sqlx::query(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname",
        )
        .bind(&original)
        .fetch_all(&mut *conn)
        .await?;
        for constraint in constraints {
            let (name, definition): (String, String) =
                (constraint.try_get(0)?, constraint.try_get(1)?);
            execute(
                conn,
                format!("ALTER TABLE {schema}.{table} ADD CONSTRAINT {name} {definition}"),
            )
            .await?;
        }
        // `pg_get_indexdef` qualifies the table only where the search path does not find it: take
        // the definition from its `USING` on, and name the index and the copy here.
        let indexes = sqlx::query(
            "SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid) FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = $1::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
             ORDER BY c.relname",
        )
        .bind(&original)
        .fetch_all(&mut *conn)
        .await?;
        for index in indexes {
            let (name, unique, definition): (String, bool, String) =
                (index.try_get(0)?, index.try_get(1)?, index.try_get(2)?);
            let method = definition
                .find(" USING ")
                .map(|at| &definition[at..])
                .ok_or_else(|| ProjectionError::Corrupt {
                    position: 0,
                    column: "pg_get_indexdef",
                    detail: format!("no USING in {definition}"),
                })?;
            let unique = if unique { "UNIQUE " } else { "" };
            self.indexes.push(format!(
                "CREATE {unique}INDEX {name} ON {schema}.{table}{method}"
            ));
        }
        Ok(())
    }

    /// Makes the copies' other indexes, drops the old tables and moves the copies in their place,
    /// restoring the `search_path`.
    pub async fn swap(self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        for index in self.indexes {
            execute(conn, index).await?;
        }
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(&self.search_path)
            .execute(&mut *conn)
            .await?;
        for table in self.tables {
            execute(conn, format!("DROP TABLE {}.{table}", self.home)).await?;
            execute(
                conn,
                format!(
                    "ALTER TABLE {}.{table} SET SCHEMA {}",
                    self.schema, self.home
                ),
            )
            .await?;
        }
        execute(conn, format!("DROP SCHEMA {}", self.schema)).await?;
        Ok(())
    }
}

/// Runs a statement built here from the projection's own table names (never from input).
async fn execute(conn: &mut PgConnection, sql: String) -> Result<(), ProjectionError> {
    sqlx::raw_sql(&sql).execute(&mut *conn).await?;
    Ok(())
}
