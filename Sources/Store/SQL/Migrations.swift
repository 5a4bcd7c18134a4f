/// The schema, as an ordered list of migrations. Each runs once, in its own transaction,
/// recorded in `schema_migrations`. Only portable SQL (SQLite and PostgreSQL) belongs here.
enum Migrations {
    static let all: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE access_keys (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                user_name TEXT,
                sealed_secret BYTEA NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE key_pairs (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                region_id TEXT NOT NULL,
                name TEXT NOT NULL,
                public_key TEXT NOT NULL,
                key_type TEXT NOT NULL,
                fingerprint_md5 TEXT NOT NULL,
                fingerprint_sha256 TEXT NOT NULL,
                resource_group_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                CONSTRAINT key_pairs_name_unique UNIQUE (account_id, region_id, name)
            )
            """,
            "CREATE INDEX key_pairs_fingerprint ON key_pairs (account_id, region_id, fingerprint_md5)",
            """
            CREATE TABLE quota_usage (
                account_id TEXT NOT NULL,
                region_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                used INTEGER NOT NULL,
                quota INTEGER NOT NULL,
                PRIMARY KEY (account_id, region_id, resource),
                CONSTRAINT quota_usage_within_quota CHECK (used >= 0 AND used <= quota)
            )
            """,
            """
            CREATE TABLE tags (
                account_id TEXT NOT NULL,
                region_id TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                tag_key TEXT NOT NULL,
                tag_value TEXT NOT NULL,
                PRIMARY KEY (resource_type, resource_id, tag_key)
            )
            """,
            "CREATE INDEX tags_by_key ON tags (account_id, region_id, resource_type, tag_key, tag_value)",
            """
            CREATE TABLE signature_nonces (
                access_key_id TEXT NOT NULL,
                nonce TEXT NOT NULL,
                seen_at BIGINT NOT NULL,
                PRIMARY KEY (access_key_id, nonce)
            )
            """,
            "CREATE INDEX signature_nonces_age ON signature_nonces (seen_at)",
        ]),
        (2, [
            """
            CREATE TABLE images (
                id TEXT PRIMARY KEY,
                owner_account_id TEXT,
                region_id TEXT,
                name TEXT NOT NULL,
                os_type TEXT NOT NULL,
                platform TEXT NOT NULL,
                os_name TEXT NOT NULL,
                source_instance_id TEXT,
                preset_password_users TEXT NOT NULL,
                preset_key_count INTEGER NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE instances (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                region_id TEXT NOT NULL,
                name TEXT NOT NULL,
                host_name TEXT NOT NULL,
                image_id TEXT NOT NULL,
                instance_type TEXT NOT NULL,
                os_type TEXT NOT NULL,
                status TEXT NOT NULL,
                key_pair_name TEXT,
                bound_credentials TEXT NOT NULL,
                effective_credentials TEXT,
                first_boot_pending INTEGER NOT NULL,
                password_inherit INTEGER NOT NULL,
                address TEXT,
                port INTEGER,
                user_data TEXT NOT NULL,
                metadata_tokens_required INTEGER NOT NULL,
                metadata_enabled INTEGER NOT NULL,
                first_boot_report TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                started_at BIGINT
            )
            """,
            "CREATE INDEX instances_by_account ON instances (account_id, region_id, created_at)",
            "CREATE INDEX instances_by_key_pair ON instances (account_id, region_id, key_pair_name)",
        ]),
        (3, [
            "ALTER TABLE instances ADD COLUMN agent_binding TEXT",
            """
            CREATE TABLE agent_registration_tokens (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                region_id TEXT NOT NULL,
                instance_name TEXT,
                expires_at BIGINT NOT NULL
            )
            """,
        ]),
        (4, [
            """
            CREATE TABLE server_settings (
                name TEXT PRIMARY KEY,
                value BYTEA NOT NULL
            )
            """,
            "ALTER TABLE instances ADD COLUMN start_failure TEXT",
        ]),
        (5, [
            "ALTER TABLE accounts ADD COLUMN alias TEXT",
            """
            CREATE TABLE ram_users (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                display_name TEXT NOT NULL,
                comments TEXT NOT NULL,
                email TEXT NOT NULL,
                mobile_phone TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                last_login_at BIGINT,
                PRIMARY KEY (account_id, name)
            )
            """,
            """
            CREATE TABLE ram_groups (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                comments TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, name)
            )
            """,
            """
            CREATE TABLE ram_group_members (
                account_id TEXT NOT NULL,
                group_name TEXT NOT NULL,
                user_name TEXT NOT NULL,
                joined_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, group_name, user_name)
            )
            """,
            "CREATE INDEX ram_group_members_by_user ON ram_group_members (account_id, user_name)",
            """
            CREATE TABLE ram_roles (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                trust_policy TEXT NOT NULL,
                max_session_duration INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, name)
            )
            """,
            """
            CREATE TABLE ram_policies (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                default_version TEXT NOT NULL,
                last_version INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, name)
            )
            """,
            """
            CREATE TABLE ram_policy_versions (
                account_id TEXT NOT NULL,
                policy_name TEXT NOT NULL,
                version_id TEXT NOT NULL,
                document TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, policy_name, version_id)
            )
            """,
            """
            CREATE TABLE ram_policy_attachments (
                account_id TEXT NOT NULL,
                policy_type TEXT NOT NULL CHECK (policy_type IN ('System', 'Custom')),
                policy_name TEXT NOT NULL,
                target_type TEXT NOT NULL CHECK (target_type IN ('User', 'Group', 'Role')),
                target_name TEXT NOT NULL,
                attached_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, target_type, target_name, policy_type, policy_name)
            )
            """,
            "CREATE INDEX ram_policy_attachments_by_policy ON ram_policy_attachments (account_id, policy_type, policy_name)",
            """
            CREATE TABLE ram_login_profiles (
                account_id TEXT NOT NULL,
                user_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                password_reset_required INTEGER NOT NULL,
                mfa_bind_required INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, user_name)
            )
            """,
            """
            CREATE TABLE role_sessions (
                access_key_id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                role_name TEXT NOT NULL,
                role_id TEXT NOT NULL,
                session_name TEXT NOT NULL,
                session_policy TEXT,
                token_hash TEXT NOT NULL,
                sealed_secret BYTEA NOT NULL,
                expires_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX role_sessions_expiry ON role_sessions (expires_at)",
            """
            CREATE TABLE resource_directories (
                id TEXT PRIMARY KEY,
                management_account_id TEXT NOT NULL UNIQUE,
                root_folder_id TEXT NOT NULL,
                control_policies_enabled INTEGER NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE directory_folders (
                id TEXT PRIMARY KEY,
                directory_id TEXT NOT NULL REFERENCES resource_directories(id),
                name TEXT NOT NULL,
                parent_id TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE directory_members (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                directory_id TEXT NOT NULL REFERENCES resource_directories(id),
                display_name TEXT NOT NULL,
                folder_id TEXT NOT NULL,
                join_method TEXT NOT NULL,
                member_type TEXT NOT NULL,
                joined_at BIGINT NOT NULL,
                CONSTRAINT directory_members_display_name UNIQUE (directory_id, display_name)
            )
            """,
            """
            CREATE TABLE control_policies (
                id TEXT PRIMARY KEY,
                directory_id TEXT NOT NULL REFERENCES resource_directories(id),
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                document TEXT NOT NULL,
                effect_scope TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                CONSTRAINT control_policies_name UNIQUE (directory_id, name)
            )
            """,
            """
            CREATE TABLE control_policy_attachments (
                directory_id TEXT NOT NULL,
                policy_id TEXT NOT NULL,
                target_id TEXT NOT NULL,
                attached_at BIGINT NOT NULL,
                PRIMARY KEY (directory_id, target_id, policy_id)
            )
            """,
            """
            CREATE TABLE audit_events (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                event_time BIGINT NOT NULL,
                action TEXT NOT NULL,
                event_name TEXT NOT NULL,
                service TEXT NOT NULL,
                principal_type TEXT NOT NULL,
                principal_name TEXT NOT NULL,
                principal_id TEXT NOT NULL,
                access_key_id TEXT NOT NULL,
                source_ip TEXT NOT NULL,
                region_id TEXT NOT NULL,
                api_version TEXT NOT NULL,
                request_id TEXT NOT NULL,
                resources TEXT NOT NULL,
                error_code TEXT,
                error_message TEXT,
                details TEXT NOT NULL,
                is_write INTEGER NOT NULL
            )
            """,
            "CREATE INDEX audit_events_by_time ON audit_events (account_id, event_time, id)",
            "CREATE INDEX access_keys_by_user ON access_keys (account_id, user_name)",
        ]),
        (6, [
            "ALTER TABLE key_pairs ADD COLUMN project_id INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE key_pairs ADD COLUMN description TEXT NOT NULL DEFAULT ''",
        ]),
        (7, [
            // An instance may carry several key pairs (CVM); instances.key_pair_name keeps the first, as ECS shows it.
            """
            CREATE TABLE instance_key_pairs (
                instance_id TEXT NOT NULL REFERENCES instances(id),
                account_id TEXT NOT NULL,
                region_id TEXT NOT NULL,
                key_pair_name TEXT NOT NULL,
                PRIMARY KEY (instance_id, key_pair_name)
            )
            """,
            "CREATE INDEX instance_key_pairs_by_name ON instance_key_pairs (account_id, region_id, key_pair_name)",
            """
            INSERT INTO instance_key_pairs (instance_id, account_id, region_id, key_pair_name)
            SELECT id, account_id, region_id, key_pair_name FROM instances WHERE key_pair_name IS NOT NULL
            """,
        ]),
        (8, [
            "ALTER TABLE instances ADD COLUMN zone_id TEXT",
            "ALTER TABLE instances ADD COLUMN latest_operation TEXT",
        ]),
        (9, [
            // Auto Scaling: the columns the database must enforce or search on; the rest of each record is its JSON `body`.
            """
            CREATE TABLE scaling_groups (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                region_id TEXT NOT NULL,
                name TEXT NOT NULL,
                state TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                body TEXT NOT NULL,
                UNIQUE (account_id, region_id, name)
            )
            """,
            """
            CREATE TABLE scaling_configurations (
                id TEXT PRIMARY KEY,
                group_id TEXT NOT NULL REFERENCES scaling_groups(id),
                account_id TEXT NOT NULL,
                region_id TEXT NOT NULL,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                body TEXT NOT NULL,
                UNIQUE (group_id, name)
            )
            """,
            """
            CREATE TABLE scaling_rules (
                id TEXT PRIMARY KEY,
                group_id TEXT NOT NULL REFERENCES scaling_groups(id),
                account_id TEXT NOT NULL,
                region_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE scaling_activities (
                id TEXT PRIMARY KEY,
                group_id TEXT NOT NULL REFERENCES scaling_groups(id),
                account_id TEXT NOT NULL,
                status TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            // One activity at a time per group, across every server on the database.
            "CREATE UNIQUE INDEX scaling_activities_one_in_progress ON scaling_activities (group_id) WHERE status = 'InProgress'",
            "CREATE INDEX scaling_activities_by_group ON scaling_activities (group_id, started_at)",
            """
            CREATE TABLE scaling_members (
                instance_id TEXT PRIMARY KEY,
                group_id TEXT NOT NULL REFERENCES scaling_groups(id),
                account_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            "CREATE INDEX scaling_members_by_group ON scaling_members (group_id, created_at)",
        ]),
        (10, [
            "ALTER TABLE images ADD COLUMN description TEXT NOT NULL DEFAULT ''",
        ]),
        (11, [
            """
            CREATE TABLE console_root_passwords (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                password_hash TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            // A session's id is known only to the browser; the row keys on its digest. Times in milliseconds.
            """
            CREATE TABLE console_sessions (
                id_digest TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                user_name TEXT,
                user_id TEXT,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL,
                password_change_required INTEGER NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_by_identity ON console_sessions (account_id, user_name)",
            "CREATE TABLE console_sign_in_failures (login_name TEXT NOT NULL, failed_at BIGINT NOT NULL)",
            "CREATE INDEX console_sign_in_failures_by_name ON console_sign_in_failures (login_name, failed_at)",
        ]),
        (12, [
            // Several servers on one database: each instance is run by one host's driver.
            "ALTER TABLE instances ADD COLUMN host_id TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX instances_by_host ON instances (host_id, status)",
        ]),
        (13, [
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                host_id TEXT NOT NULL,
                instance_id TEXT NOT NULL,
                boot INTEGER NOT NULL,
                request_id TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                attempts INTEGER NOT NULL,
                lease_owner TEXT,
                lease_expires_at BIGINT,
                error TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX jobs_claimable ON jobs (host_id, state, created_at)",
            "CREATE INDEX jobs_by_instance ON jobs (instance_id)",
            """
            CREATE TABLE client_tokens (
                account_id TEXT NOT NULL,
                action TEXT NOT NULL,
                token TEXT NOT NULL,
                digest TEXT NOT NULL,
                result TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (account_id, action, token)
            )
            """,
            "CREATE INDEX client_tokens_age ON client_tokens (created_at)",
        ]),
        // A page of key pairs is read in listing order from this index instead of sorting the region's rows (50,000 of
        // them in a large account), and they are counted from it.
        (14, [
            "CREATE INDEX key_pairs_listing ON key_pairs (account_id, region_id, created_at, name)",
        ]),
        // Each running server's worker records itself here every few seconds, so that what needs every server of a
        // deployment stopped (a server key rotation) can tell.
        (15, [
            "CREATE TABLE server_heartbeats (host_id TEXT PRIMARY KEY, worker_id TEXT NOT NULL, seen_at BIGINT NOT NULL)",
        ]),
    ]

    /// Applies every migration not yet recorded.
    static func run(on database: any SQLDatabase) async throws {
        try await database.write { db in
            try await db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        }
        for migration in all {
            try await database.write { db in
                let applied = try await db.execute("SELECT version FROM schema_migrations WHERE version = $1", [.integer(Int64(migration.version))])
                guard applied.isEmpty else { return }
                for statement in migration.statements {
                    try await db.execute(statement)
                }
                try await db.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    [.integer(Int64(migration.version)), .integer(Int64(Clock.nowSeconds()))]
                )
            }
        }
    }
}
