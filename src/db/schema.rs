//! Table definitions (hand-written to match `migrations/`; diesel CLI would need libpq).

diesel::table! {
    organisations (id) {
        id -> Uuid,
        kind -> Text,
        name -> Text,
        country_code -> Text,
        home_jurisdiction -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        full_name -> Text,
        home_jurisdiction -> Text,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        email_verified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    memberships (user_id, organisation_id) {
        user_id -> Uuid,
        organisation_id -> Uuid,
        role -> Text,
        home_jurisdiction -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Uuid,
        idempotency_key -> Text,
        request_method -> Text,
        request_path -> Text,
        request_hash -> Bytea,
        response_status -> Int2,
        response_location -> Nullable<Text>,
        response_body -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttle (email_key, client_key) {
        email_key -> Text,
        client_key -> Text,
        attempts -> Int4,
        window_started_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Timestamptz,
        user_agent -> Nullable<Text>,
        client_address -> Nullable<Text>,
    }
}

diesel::table! {
    account_tokens (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        purpose -> Text,
        email -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Uuid,
        recipient -> Text,
        template -> Text,
        subject -> Text,
        text_body -> Nullable<Text>,
        html_body -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_audit_log (id) {
        id -> Uuid,
        user_id -> Uuid,
        actor_user_id -> Uuid,
        action -> Text,
        detail -> Jsonb,
        at -> Timestamptz,
    }
}

diesel::table! {
    sellers (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        status -> Text,
        version -> Int4,
        legal_name -> Nullable<Text>,
        trading_name -> Nullable<Text>,
        enterprise_type -> Nullable<Text>,
        sectors -> Array<Text>,
        msme_category -> Nullable<Text>,
        year_established -> Nullable<Int4>,
        employees -> Nullable<Int4>,
        address_line1 -> Nullable<Text>,
        address_line2 -> Nullable<Text>,
        address_city -> Nullable<Text>,
        address_district -> Nullable<Text>,
        address_state -> Nullable<Text>,
        address_postal_code -> Nullable<Text>,
        contacts -> Jsonb,
        export_markets -> Array<Text>,
        gstin -> Nullable<Text>,
        pan -> Nullable<Text>,
        iec -> Nullable<Text>,
        udyam_number -> Nullable<Text>,
        public_identifiers -> Array<Text>,
        payout_account_ref -> Nullable<Uuid>,
        payout_last4 -> Nullable<Text>,
        payout_ifsc -> Nullable<Text>,
        payout_bank_name -> Nullable<Text>,
        vetting_body_id -> Nullable<Uuid>,
        submitted_at -> Nullable<Timestamptz>,
        decided_at -> Nullable<Timestamptz>,
        valid_until -> Nullable<Timestamptz>,
        badge_kind -> Nullable<Text>,
        badge_issued_by -> Nullable<Uuid>,
        badge_issued_at -> Nullable<Timestamptz>,
        badge_valid_until -> Nullable<Timestamptz>,
        storefront_slug -> Nullable<Text>,
        home_jurisdiction -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        claimed_by -> Nullable<Uuid>,
        claim_expires_at -> Nullable<Timestamptz>,
        vetting_body_version -> Nullable<Int4>,
    }
}

diesel::table! {
    seller_documents (id) {
        id -> Uuid,
        seller_id -> Uuid,
        kind -> Text,
        media_type -> Text,
        original_filename -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        storage_path -> Text,
        uploaded_by -> Uuid,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    seller_audit_log (id) {
        id -> Uuid,
        seller_id -> Uuid,
        actor_user_id -> Nullable<Uuid>,
        actor_role -> Text,
        at -> Timestamptz,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason_codes -> Array<Text>,
        note -> Nullable<Text>,
        request_id -> Nullable<Text>,
        home_jurisdiction -> Text,
    }
}

// Localised: an Indian seller's rows live only in the in-country store.
diesel::table! {
    payout_accounts (id) {
        id -> Uuid,
        seller_id -> Uuid,
        account_holder_name -> Text,
        account_number -> Text,
        ifsc -> Text,
        bank_name -> Nullable<Text>,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (family_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(seller_documents -> sellers (seller_id));
diesel::joinable!(seller_audit_log -> sellers (seller_id));

diesel::joinable!(account_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    memberships,
    refresh_tokens,
    sessions,
    account_tokens,
    mail_outbox,
    user_audit_log,
    idempotency_keys,
    login_throttle,
    sellers,
    seller_documents,
    seller_audit_log,
    payout_accounts,
);

diesel::table! {
    fx_rates (id) {
        id -> Uuid,
        base -> Text,
        quote -> Text,
        rate -> Numeric,
        as_of -> Timestamptz,
        source -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    fx_feed_status (feed_url) {
        feed_url -> Text,
        last_attempt_at -> Timestamptz,
        last_success_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        consecutive_failures -> Int4,
        rates_received -> Int4,
    }
}

diesel::table! {
    fee_schedules (id) {
        id -> Uuid,
        version -> Int4,
        label -> Text,
        effective_from -> Timestamptz,
        document -> Jsonb,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    settlement_estimates (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        requested_by -> Uuid,
        seller_id -> Nullable<Uuid>,
        fee_schedule_id -> Uuid,
        fee_schedule_version -> Int4,
        request -> Jsonb,
        response -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        home_jurisdiction -> Text,
        quote_id -> Nullable<Uuid>,
        listing_id -> Nullable<Uuid>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    fx_rates,
    fee_schedules,
    settlement_estimates,
    organisations,
);

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        url -> Text,
        secret -> Text,
        event_types -> Array<Text>,
        active -> Bool,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        event_type -> Text,
        payload -> Jsonb,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        event_id -> Uuid,
        endpoint_id -> Uuid,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Uuid,
        delivery_id -> Uuid,
        attempt -> Int4,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
        home_jurisdiction -> Text,
    }
}

diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    webhook_endpoints,
    outbox_events,
    webhook_deliveries,
    webhook_attempts,
);

diesel::table! {
    vetting_bodies (id) {
        id -> Uuid,
        name -> Text,
        jurisdiction -> Text,
        priority_sectors -> Array<Text>,
        approval_validity_months -> Int4,
        sla_hours -> Int4,
        checklist -> Jsonb,
        reason_codes -> Jsonb,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
        version -> Int4,
        updated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    vetting_body_versions (body_id, version) {
        body_id -> Uuid,
        version -> Int4,
        checklist -> Jsonb,
        reason_codes -> Jsonb,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    vetting_checklist (seller_id, item_code) {
        seller_id -> Uuid,
        item_code -> Text,
        ticked -> Bool,
        note -> Nullable<Text>,
        ticked_by -> Uuid,
        ticked_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::joinable!(vetting_checklist -> sellers (seller_id));

diesel::allow_tables_to_appear_in_same_query!(vetting_bodies, vetting_checklist);
diesel::allow_tables_to_appear_in_same_query!(vetting_bodies, sellers);
diesel::allow_tables_to_appear_in_same_query!(vetting_bodies, organisations);
diesel::allow_tables_to_appear_in_same_query!(vetting_checklist, users);
diesel::allow_tables_to_appear_in_same_query!(vetting_checklist, sellers);

diesel::table! {
    /// `search_vector` (a generated tsvector) is left out: the catalogue reads it in SQL.
    listings (id) {
        id -> Uuid,
        seller_id -> Uuid,
        status -> Text,
        version -> Int4,
        title -> Text,
        description -> Text,
        sector -> Text,
        hs_code -> Text,
        keywords -> Array<Text>,
        attributes -> Jsonb,
        moq -> Int8,
        moq_unit -> Text,
        currency -> Text,
        price_breaks -> Jsonb,
        price_minor -> Int8,
        incoterms -> Jsonb,
        incoterm_codes -> Array<Text>,
        lead_time_days -> Int4,
        monthly_capacity -> Nullable<Int8>,
        certifications -> Array<Text>,
        origin_state -> Text,
        samples_available -> Bool,
        image_urls -> Array<Text>,
        listing_fee_minor -> Nullable<Int8>,
        listing_fee_gst_minor -> Nullable<Int8>,
        listing_fee_currency -> Nullable<Text>,
        fee_schedule_version -> Nullable<Int4>,
        fee_waived_reason -> Nullable<Text>,
        first_published_at -> Nullable<Timestamptz>,
        published_at -> Nullable<Timestamptz>,
        seller_in_good_standing -> Bool,
        seller_verified -> Bool,
        home_jurisdiction -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    listing_audit_log (id) {
        id -> Uuid,
        listing_id -> Uuid,
        actor_user_id -> Nullable<Uuid>,
        at -> Timestamptz,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        version -> Int4,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    seller_daily_stats (seller_id, day) {
        seller_id -> Uuid,
        day -> Date,
        storefront_views -> Int8,
        search_impressions -> Int8,
        listing_views -> Int8,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    egress_log (id) {
        id -> Uuid,
        at -> Timestamptz,
        actor_user_id -> Uuid,
        actor_role -> Text,
        endpoint -> Text,
        categories -> Array<Text>,
        published_cells -> Int4,
        suppressed_cells -> Int4,
        threshold -> Int4,
    }
}

diesel::table! {
    catalogue_terms (word) {
        word -> Text,
    }
}

diesel::joinable!(listings -> sellers (seller_id));
diesel::joinable!(listing_audit_log -> listings (listing_id));

diesel::allow_tables_to_appear_in_same_query!(listings, sellers);
diesel::allow_tables_to_appear_in_same_query!(listing_audit_log, listings);

diesel::table! {
    buyer_profiles (organisation_id) {
        organisation_id -> Uuid,
        version -> Int4,
        company_name -> Text,
        country_code -> Text,
        business_type -> Text,
        website -> Nullable<Text>,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rfqs (id) {
        id -> Uuid,
        buyer_organisation_id -> Uuid,
        created_by -> Uuid,
        status -> Text,
        version -> Int4,
        product -> Text,
        description -> Text,
        hs_code -> Nullable<Text>,
        sector -> Nullable<Text>,
        quantity -> Int8,
        unit -> Text,
        currency -> Text,
        target_unit_price_minor -> Nullable<Int8>,
        destination_country -> Text,
        destination_place -> Text,
        incoterm -> Nullable<Text>,
        needed_by -> Nullable<Date>,
        certifications -> Array<Text>,
        valid_until -> Timestamptz,
        awarded_quote_id -> Nullable<Uuid>,
        closed_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rfq_leads (id) {
        id -> Uuid,
        rfq_id -> Uuid,
        seller_id -> Uuid,
        listing_id -> Uuid,
        rank -> Int4,
        score -> Float8,
        factors -> Jsonb,
        offered_at -> Timestamptz,
        current -> Bool,
        home_jurisdiction -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    quotes (id) {
        id -> Uuid,
        rfq_id -> Uuid,
        seller_id -> Uuid,
        submitted_by -> Uuid,
        status -> Text,
        revision -> Int4,
        unit_price_minor -> Int8,
        currency -> Text,
        quantity -> Int8,
        incoterm -> Text,
        named_place -> Text,
        lead_time_days -> Int4,
        valid_until -> Timestamptz,
        notes -> Text,
        home_jurisdiction -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    quote_revisions (id) {
        id -> Uuid,
        quote_id -> Uuid,
        revision -> Int4,
        unit_price_minor -> Int8,
        currency -> Text,
        quantity -> Int8,
        incoterm -> Text,
        named_place -> Text,
        lead_time_days -> Int4,
        valid_until -> Timestamptz,
        notes -> Text,
        submitted_by -> Uuid,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::table! {
    trades (id) {
        id -> Uuid,
        rfq_id -> Uuid,
        quote_id -> Uuid,
        buyer_organisation_id -> Uuid,
        seller_id -> Uuid,
        estimate_id -> Nullable<Uuid>,
        accepted_by -> Uuid,
        record_ref -> Uuid,
        home_jurisdiction -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    trade_records (id) {
        id -> Uuid,
        trade_id -> Uuid,
        rfq_id -> Uuid,
        quote_id -> Uuid,
        quote_revision -> Int4,
        buyer_organisation_id -> Uuid,
        buyer_company_name -> Text,
        buyer_country_code -> Text,
        seller_id -> Uuid,
        product -> Text,
        quantity -> Int8,
        unit -> Text,
        unit_price_minor -> Int8,
        total_minor -> Int8,
        currency -> Text,
        incoterm -> Text,
        named_place -> Text,
        estimate_id -> Nullable<Uuid>,
        settlement -> Jsonb,
        payout_account_ref -> Nullable<Uuid>,
        created_at -> Timestamptz,
        home_jurisdiction -> Text,
    }
}

diesel::joinable!(rfq_leads -> rfqs (rfq_id));
diesel::joinable!(rfq_leads -> sellers (seller_id));
diesel::joinable!(quotes -> rfqs (rfq_id));
diesel::joinable!(quotes -> sellers (seller_id));
diesel::joinable!(quote_revisions -> quotes (quote_id));
diesel::joinable!(rfqs -> buyer_profiles (buyer_organisation_id));
diesel::joinable!(trades -> sellers (seller_id));

diesel::allow_tables_to_appear_in_same_query!(
    rfqs,
    rfq_leads,
    quotes,
    quote_revisions,
    sellers,
    buyer_profiles,
    trades,
);
diesel::allow_tables_to_appear_in_same_query!(rfq_leads, listings);
