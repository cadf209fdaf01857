"""Task families of the code training sets: the vocabulary each family lends to the code shapes.

A family is an application area (backups, webhooks, CSV import ...). It names its nouns, text
columns, folders, external tools, partner hosts and the vulnerability classes that make sense in it.
The shapes in ``_code_shapes_*.py`` are written once per vulnerability class and rendered with a
family's vocabulary, so the same job reads differently in every family.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    """An external program a family's code may run on one caller-supplied value ``{x}``."""

    argv: tuple[str, ...]
    arg: str
    does: str


@dataclass(frozen=True)
class Family:
    name: str
    short: str
    topics: tuple[str, ...]
    nouns: tuple[tuple[str, str], ...]
    fields: tuple[str, ...]
    dirs: tuple[tuple[str, str], ...]
    exts: tuple[str, ...]
    hosts: tuple[str, ...]
    token_uses: tuple[str, ...]
    classes: tuple[str, ...]
    tools: tuple[Tool, ...] = ()


def T(argv: str, arg: str, does: str) -> Tool:
    return Tool(tuple(argv.split()), arg, does)


SQL, CMD, PATH, DESER = "sql_injection", "command_injection", "path_traversal", "unsafe_deserialization"
XSS, PERM, CRED, HASH = "xss", "insecure_permissions", "hardcoded_credentials", "weak_password_hash"
TLS, TMP, EVAL, XXE = "tls_verification_disabled", "insecure_temp_file", "code_injection", "xxe"
SSRF, REDIR, DEBUG = "ssrf", "open_redirect", "debug_mode"
RAND, JWT = "weak_randomness", "jwt_unverified"

FAMILIES: tuple[Family, ...] = (
    Family("web_handlers", "site", ("a small Flask web shop", "our company's Flask website"),
           (("article", "articles"), ("product", "products"), ("post", "posts")),
           ("slug", "title", "category", "author"), (("PAGES_DIR", "/srv/site/pages"), ("STATIC_ROOT", "/srv/site/static")),
           (".html", ".md"), ("cms.example-partner.com", "api.storefront-cdn.net"), ("preview link", "newsletter opt-in"),
           (SQL, XSS, REDIR, SSRF, PATH, DEBUG, EVAL, CRED, CMD),
           (T("/usr/bin/dig +short {x}", "domain", "look up the DNS records of a domain"),)),
    Family("file_upload", "uploads", ("a document upload service", "the attachments part of our helpdesk app"),
           (("upload", "uploads"), ("attachment", "attachments"), ("document", "documents")),
           ("filename", "owner", "content_type", "label"), (("UPLOAD_DIR", "/srv/app/uploads"), ("MEDIA_ROOT", "/var/www/media")),
           (".pdf", ".docx", ".png"), ("files.partner-storage.com",), ("download link",),
           (PATH, PERM, CMD, TMP, XSS, DESER, XXE, DEBUG, SQL),
           (T("/usr/bin/file --mime-type -b {x}", "path", "detect the MIME type of an uploaded file"),
            T("/usr/bin/clamscan --no-summary {x}", "path", "scan an uploaded file for viruses"))),
    Family("database_access", "crm", ("the CRM backend", "an internal customer database tool"),
           (("customer", "customers"), ("order", "orders"), ("employee", "employees")),
           ("email", "last_name", "city", "status"), (("EXPORT_DIR", "/var/lib/crm/exports"),),
           (".sql", ".csv"), ("crm-api.example.org",), ("API key",),
           (SQL, CRED, DESER, PERM, DEBUG, EVAL, CMD),
           (T("/usr/bin/pg_dump --schema-only {x}", "database", "dump the schema of a database"),)),
    Family("archive_extraction", "archives", ("a tool that unpacks customer data bundles", "our release unpacker"),
           (("archive", "archives"), ("bundle", "bundles"), ("package", "packages")),
           ("name", "source", "checksum", "uploader"), (("EXTRACT_DIR", "/srv/unpacked"), ("STAGING_DIR", "/var/lib/unpacker/staging")),
           (".tar.gz", ".zip", ".tgz"), ("downloads.vendor-mirror.com", "artifacts.build-farm.io"), ("download token",),
           (PATH, TMP, PERM, CMD, DESER, SSRF, SQL),
           (T("/usr/bin/unzip -l {x}", "archive_path", "list what a zip archive contains"),
            T("/usr/bin/tar -tzf {x}", "archive_path", "list the members of a tarball"))),
    Family("subprocess_wrappers", "ops", ("our ops toolbox", "a small command-line helper library for the SRE team"),
           (("host", "hosts"), ("service", "services"), ("job", "jobs")),
           ("hostname", "name", "region", "owner"), (("WORK_DIR", "/var/lib/opstools"), ("SCRIPTS_DIR", "/opt/opstools/scripts")),
           (".sh", ".log"), ("status.internal-monitor.net",), ("run id",),
           (CMD, TMP, PERM, PATH, EVAL, CRED),
           (T("/usr/bin/ping -c 1 {x}", "hostname", "check whether a host answers a ping"),
            T("/usr/bin/systemctl status {x}", "service", "show the status of a systemd service"),
            T("/usr/bin/du -sh {x}", "directory", "report how much disk space a directory uses"))),
    Family("config_loading", "config", ("the settings loader of our worker processes", "a config module for a CLI app"),
           (("setting", "settings"), ("profile", "profiles"), ("environment", "environments")),
           ("name", "section", "value", "scope"), (("CONFIG_DIR", "/etc/myapp"), ("PROFILE_DIR", "/etc/myapp/profiles")),
           (".yaml", ".json", ".cfg"), ("config.central-settings.io",), ("config fetch key",),
           (DESER, EVAL, PERM, CRED, PATH, XXE, TLS, SSRF)),
    Family("authentication", "auth", ("the login system of our web app", "an authentication module"),
           (("account", "accounts"), ("user", "users"), ("member", "members")),
           ("username", "email", "role"), (("KEYS_DIR", "/etc/myapp/keys"),),
           (".pem",), ("sso.identity-provider.com", "login.partner-idp.net"), ("session token", "remember-me token", "API key"),
           (HASH, CRED, SQL, REDIR, RAND, JWT, DEBUG, TLS)),
    Family("templating", "render", ("the page renderer of our CMS", "an email and page templating helper"),
           (("page", "pages"), ("newsletter", "newsletters"), ("notice", "notices")),
           ("title", "headline", "author", "language"), (("TEMPLATE_DIR", "/srv/cms/templates"), ("OUTPUT_DIR", "/srv/cms/public")),
           (".html", ".j2"), ("assets.cms-cdn.net",), ("preview token",),
           (XSS, PATH, EVAL, TMP, DEBUG, SQL)),
    Family("caching", "cache", ("a caching layer in front of our slow API", "the result cache of a data service"),
           (("entry", "entries"), ("result", "results"), ("response", "responses")),
           ("key", "namespace", "owner"), (("CACHE_DIR", "/var/cache/myapp"),),
           (".cache", ".bin"), ("cache.internal-redis.net",), ("cache key",),
           (DESER, TMP, PERM, CMD, SQL, CRED),
           (T("/usr/bin/redis-cli DEL {x}", "key", "delete one key from Redis"),)),
    Family("logging", "logs", ("a log management tool", "the logging utilities of our backend"),
           (("log", "logs"), ("event", "events"), ("audit_entry", "audit_entries")),
           ("level", "source", "message", "user"), (("LOG_DIR", "/var/log/myapp"), ("ARCHIVE_DIR", "/var/log/myapp/archive")),
           (".log", ".gz"), ("logs.collector-service.com",), ("ingest token",),
           (PERM, PATH, CMD, TMP, XSS, SQL, TLS),
           (T("/usr/bin/tail -n 200 {x}", "log_file", "show the last lines of a log file"),
            T("/usr/bin/gzip -k {x}", "log_file", "compress a rotated log file"))),
    Family("backups", "backup", ("a nightly backup script", "the backup tooling of our file server"),
           (("backup", "backups"), ("snapshot", "snapshots"), ("dump", "dumps")),
           ("label", "host", "volume", "owner"), (("BACKUP_ROOT", "/var/backups/app"), ("RESTORE_DIR", "/srv/restore")),
           (".tar.gz", ".sql.gz"), ("backup.offsite-vault.com", "storage.cold-archive.net"), ("restore code",),
           (CMD, PERM, TMP, PATH, CRED, DESER, TLS),
           (T("/usr/bin/du -sh {x}", "directory", "measure the size of a directory before backing it up"),
            T("/usr/bin/rsync -a {x} /var/backups/app/", "source_dir", "copy a directory into the backup area"))),
    Family("image_thumbnails", "media", ("a photo gallery app", "the image pipeline of our marketplace"),
           (("image", "images"), ("photo", "photos"), ("thumbnail", "thumbnails")),
           ("caption", "owner", "album", "format"), (("IMAGE_DIR", "/srv/gallery/images"), ("THUMB_DIR", "/srv/gallery/thumbs")),
           (".jpg", ".png", ".webp"), ("images.photo-partner.com",), ("share link",),
           (CMD, PATH, TMP, SSRF, PERM, SQL, XSS),
           (T("/usr/bin/convert {x} -thumbnail 256x256 thumb.png", "image_path", "make a 256 pixel thumbnail of an image"),
            T("/usr/bin/identify -format %wx%h {x}", "image_path", "read the dimensions of an image"))),
    Family("csv_import", "importer", ("a CSV importer for our accounting app", "the bulk import feature of our CRM"),
           (("contact", "contacts"), ("transaction", "transactions"), ("record", "records")),
           ("name", "email", "account", "reference"), (("IMPORT_DIR", "/srv/imports"), ("INBOX_DIR", "/var/spool/importer")),
           (".csv", ".tsv"), ("exports.bank-partner.com",), ("import token",),
           (SQL, EVAL, PATH, TMP, CMD, XSS, PERM, XXE),
           (T("/usr/bin/wc -l {x}", "csv_path", "count the lines of a CSV file"),
            T("/usr/bin/iconv -f latin1 -t utf-8 {x}", "csv_path", "convert a CSV file from Latin-1 to UTF-8"))),
    Family("user_profiles", "profiles", ("a social app", "the member profile pages of our forum"),
           (("profile", "profiles"), ("user", "users"), ("member", "members")),
           ("display_name", "bio", "location", "website"), (("AVATAR_DIR", "/srv/app/avatars"),),
           (".png", ".jpg"), ("avatars.gravatar-mirror.net",), ("invite code",),
           (XSS, SQL, PATH, SSRF, REDIR, HASH, DESER, DEBUG, JWT)),
    Family("password_reset", "reset", ("the password reset flow of our app", "an account recovery service"),
           (("reset_request", "reset_requests"), ("user", "users"), ("account", "accounts")),
           ("email", "username", "phone"), (("TEMPLATE_DIR", "/srv/app/mail_templates"),),
           (".txt",), ("mail.relay-provider.com", "smtp.mailhost.net"), ("password reset", "email confirmation", "one-time login"),
           (RAND, HASH, SQL, REDIR, CRED, TLS, JWT, XSS)),
    Family("webhooks", "hooks", ("a webhook dispatcher", "the integrations part of our SaaS product"),
           (("webhook", "webhooks"), ("event", "events"), ("delivery", "deliveries")),
           ("target_url", "event_type", "owner", "status"), (("SPOOL_DIR", "/var/spool/webhooks"),),
           (".json",), ("hooks.partner-platform.com", "events.payments-gateway.io"), ("webhook signing secret", "delivery id"),
           (SSRF, TLS, DESER, CRED, EVAL, RAND, JWT, SQL, XXE)),
    Family("url_fetchers", "fetcher", ("a link preview service", "a page archiver"),
           (("page", "pages"), ("link", "links"), ("feed", "feeds")),
           ("url", "title", "domain"), (("ARCHIVE_DIR", "/srv/archiver/pages"), ("DOWNLOAD_DIR", "/srv/fetcher/downloads")),
           (".html", ".txt"), ("api.link-unfurl.com", "feeds.news-hub.org"), ("fetch id",),
           (SSRF, TLS, TMP, PATH, XSS, XXE)),
    Family("xml_parsing", "xmlproc", ("an XML invoice processor", "a sitemap and feed parser"),
           (("document", "documents"), ("invoice", "invoices"), ("sitemap", "sitemaps")),
           ("number", "supplier", "title", "currency"), (("XML_DIR", "/srv/xml/incoming"), ("PROCESSED_DIR", "/srv/xml/done")),
           (".xml",), ("edi.supplier-network.com",), ("batch id",),
           (XXE, PATH, TMP, SQL, SSRF, XSS)),
    Family("session_handling", "sessions", ("a custom session layer for our Flask app", "the session store of our web app"),
           (("session", "sessions"), ("cart", "carts"), ("visitor", "visitors")),
           ("user_id", "theme", "locale"), (("SESSION_DIR", "/var/lib/myapp/sessions"),),
           (".sess",), ("sessions.edge-cache.net",), ("session id", "CSRF token", "cart token"),
           (DESER, RAND, JWT, CRED, REDIR, DEBUG, TMP, HASH)),
    Family("report_generation", "reports", ("a monthly reporting tool", "the PDF report generator of our dashboard"),
           (("report", "reports"), ("summary", "summaries"), ("statement", "statements")),
           ("title", "period", "department", "author"), (("REPORT_DIR", "/srv/reports"), ("OUTPUT_DIR", "/var/lib/reports/out")),
           (".pdf", ".html", ".md"), ("charts.report-render.com",), ("report link",),
           (CMD, SQL, XSS, TMP, PATH, PERM, EVAL),
           (T("/usr/bin/pandoc {x} -o report.pdf", "source_path", "turn a Markdown report into a PDF"),
            T("/usr/bin/wkhtmltopdf {x} report.pdf", "html_path", "render an HTML report to PDF"))),
    Family("api_clients", "client", ("a client for a partner's REST API", "the integrations module that calls external APIs"),
           (("payment", "payments"), ("shipment", "shipments"), ("forecast", "forecasts")),
           ("reference", "status", "carrier", "region"), (("RESPONSE_DIR", "/var/lib/client/responses"),),
           (".json",), ("api.shipping-partner.com", "api.payments-hub.io", "api.weather-feed.net"), ("request id",),
           (TLS, CRED, SSRF, DESER, JWT, XXE)),
    Family("task_queue", "worker", ("a background job worker", "the task queue of our data platform"),
           (("task", "tasks"), ("job", "jobs"), ("batch", "batches")),
           ("name", "queue", "owner", "state"), (("JOB_DIR", "/var/spool/worker"), ("RESULT_DIR", "/var/lib/worker/results")),
           (".job", ".json"), ("queue.broker-service.net",), ("job id",),
           (DESER, CMD, EVAL, CRED, PERM, SQL),
           (T("/usr/bin/systemctl restart {x}", "worker_name", "restart a worker unit"),)),
    Family("search", "search", ("the search feature of a recipe site", "a site search endpoint"),
           (("listing", "listings"), ("recipe", "recipes"), ("book", "books")),
           ("title", "author", "tag", "cuisine"), (("INDEX_DIR", "/var/lib/search/index"),),
           (".idx",), ("search.partner-index.com",), ("query id",),
           (SQL, XSS, CMD, EVAL, REDIR, DEBUG),
           (T("/usr/bin/grep -ril {x} /srv/docs", "term", "find the documents that mention a word"),)),
    Family("comments", "comments", ("the comment section of a blog", "a product review widget"),
           (("comment", "comments"), ("review", "reviews"), ("reply", "replies")),
           ("author", "body", "rating", "post_slug"), (("DRAFT_DIR", "/var/lib/blog/drafts"),),
           (".json",), ("moderation.text-filter.com",), ("edit token",),
           (XSS, SQL, REDIR, DEBUG, DESER, RAND, HASH)),
    Family("admin_dashboard", "admin", ("an internal admin dashboard", "the ops console of our platform"),
           (("ticket", "tickets"), ("incident", "incidents"), ("server", "servers")),
           ("hostname", "severity", "assignee", "status"), (("EXPORT_DIR", "/srv/admin/exports"),),
           (".csv",), ("status.cloud-provider.com",), ("admin API key",),
           (CMD, SQL, DEBUG, CRED, XSS, JWT, HASH, REDIR),
           (T("/usr/bin/ping -c 3 {x}", "hostname", "ping a server from the dashboard"),
            T("/usr/bin/systemctl status {x}", "unit", "show the state of a service"))),
    Family("file_sharing", "share", ("a file sharing app", "the downloads area of our intranet"),
           (("shared_file", "shared_files"), ("download", "downloads"), ("asset", "assets")),
           ("filename", "owner", "folder"), (("SHARE_ROOT", "/srv/share/files"), ("DOWNLOAD_DIR", "/srv/intranet/downloads")),
           (".pdf", ".zip", ".txt"), ("mirror.file-partner.net",), ("share link", "download token"),
           (PATH, RAND, PERM, REDIR, SSRF, SQL, CMD, HASH, JWT),
           (T("/usr/bin/sha256sum {x}", "file_path", "compute the checksum of a shared file"),)),
    Family("data_export", "export", ("a data export service", "the nightly export job of our analytics warehouse"),
           (("export", "exports"), ("dataset", "datasets"), ("extract", "extracts")),
           ("name", "owner", "region", "format"), (("EXPORT_DIR", "/srv/exports"), ("OUTBOX_DIR", "/var/spool/exports")),
           (".csv", ".jsonl", ".parquet"), ("upload.partner-warehouse.com",), ("export link",),
           (SQL, TMP, PERM, PATH, CMD, TLS, DESER, XXE),
           (T("/usr/bin/gzip -k {x}", "export_path", "compress an export file"),
            T("/usr/bin/split -l 100000 {x}", "export_path", "split a big export into chunks"))),
    Family("calculator_service", "calc", ("an online calculator", "a pricing rules engine"),
           (("expression", "expressions"), ("formula", "formulas"), ("rule", "rules")),
           ("name", "owner", "category"), (("SAVED_DIR", "/var/lib/calc/saved"),),
           (".json",), ("rates.currency-feed.com",), ("share code",),
           (EVAL, XSS, SQL, DEBUG, DESER)),
    Family("iot_devices", "devices", ("a device management backend for smart sensors", "the IoT gateway software"),
           (("device", "devices"), ("sensor", "sensors"), ("gateway", "gateways")),
           ("serial", "model", "location", "firmware"), (("FIRMWARE_DIR", "/srv/firmware"), ("DEVICE_DIR", "/var/lib/devices")),
           (".bin", ".json"), ("telemetry.sensor-cloud.io", "firmware.device-vendor.com"), ("pairing code", "device token"),
           (CMD, TLS, CRED, DESER, RAND, XXE, SQL, HASH, JWT),
           (T("/usr/bin/ping -c 1 {x}", "address", "check that a device is reachable"),
            T("/usr/sbin/arp -n {x}", "address", "show the ARP entry of a device"))),
    Family("deployment_scripts", "deploy", ("our deployment scripts", "a small release automation tool"),
           (("release", "releases"), ("deployment", "deployments"), ("service", "services")),
           ("version", "environment", "branch", "service"), (("DEPLOY_DIR", "/opt/deploy"), ("RELEASES_DIR", "/opt/app/releases")),
           (".yaml", ".tar.gz"), ("registry.container-hub.io", "deploy.ci-runner.net"), ("deploy key",),
           (CMD, CRED, PERM, TLS, DESER, TMP, EVAL),
           (T("/usr/bin/git checkout {x}", "branch", "check out a branch of the release repository"),
            T("/usr/bin/docker restart {x}", "container", "restart a container"))),
    Family("chat_bot", "bot", ("a team chat bot", "the chat integration of our support desk"),
           (("message", "messages"), ("conversation", "conversations"), ("channel", "channels")),
           ("author", "text", "channel_name"), (("TRANSCRIPT_DIR", "/var/lib/bot/transcripts"),),
           (".txt", ".json"), ("api.chat-platform.com",), ("bot token",),
           (XSS, SQL, EVAL, SSRF, DESER, CRED, JWT)),
    Family("analytics_tracking", "analytics", ("a page analytics collector", "the click tracking of our newsletter"),
           (("pageview", "pageviews"), ("click", "clicks"), ("campaign", "campaigns")),
           ("path", "referrer", "campaign_name", "country"), (("EVENT_DIR", "/var/lib/analytics/events"),),
           (".jsonl",), ("collect.metrics-partner.com",), ("visitor id", "tracking id"),
           (SQL, XSS, REDIR, RAND, DESER, DEBUG, PERM)),
    Family("invoice_billing", "billing", ("a billing system", "the invoicing module of our SaaS"),
           (("invoice", "invoices"), ("payment", "payments"), ("subscription", "subscriptions")),
           ("customer", "currency", "status", "plan"), (("INVOICE_DIR", "/srv/billing/invoices"),),
           (".pdf", ".xml"), ("api.payment-processor.com", "einvoice.tax-portal.net"), ("invoice link", "payment token"),
           (SQL, XXE, RAND, TLS, CRED, PATH, TMP, CMD, HASH),
           (T("/usr/bin/wkhtmltopdf {x} invoice.pdf", "html_path", "render an invoice page to PDF"),)),
)

FAMILY_BY_NAME = {f.name: f for f in FAMILIES}
