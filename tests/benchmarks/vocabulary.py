"""Embedded word lists for the benchmark corpus: real English (support and product heavy),
small German, Spanish, French and Japanese lists, help-center areas and people's names.

Plain data, no logic beyond splitting: ``corpus.py`` turns it into text. The English words are
listed roughly from most to least frequent in help-center prose; the generator draws them with
a Zipf-like law over that order, so a few words are everywhere and most are rare, as in real
articles and as search ranking expects.
"""

from __future__ import annotations

__all__ = [
    "ENGLISH_WORDS",
    "HELP_AREAS",
    "ACTION_VERBS",
    "UI_LABELS",
    "INTEGRATIONS",
    "FILE_FORMATS",
    "PERSON_NAMES",
    "FOREIGN_WORDS",
    "FOREIGN_TITLES",
]


def _words(text: str) -> tuple[str, ...]:
    """Split ``text`` on whitespace, keeping the first occurrence of each word, in order."""
    seen: dict[str, None] = {}
    for word in text.split():
        seen.setdefault(word, None)
    return tuple(seen)


_FUNCTION = """
the to you your a and of in is for it on can this that with be or if are as from
an by not will when at have it's all more then use one which also any only there
do how what they their we our see set up out new into each other after before so
make sure has been may need must should would could but no yes than these those here
where who why about over under between through without within while until again
once both same just most some many few every own its his her them us he she my me
off down first last next two three four five six ten per via same such much very
"""

_DOMAIN = """
account invoice invoices payment payments customer customers click settings open select
page team password email data export import report reports integration integrations
option options button list user users file files field fields app help support status
change changes save update updates create delete edit add remove view show name number
plan plans billing card cards bank subscription subscriptions tax taxes amount total
price prices product products order orders refund refunds receipt receipts quote quotes
date time currency currencies balance charge charges fee fees discount discounts credit
debit transaction transactions payout payouts statement statements workspace dashboard
menu tab tabs link links address phone profile login logout sign signed password
passwords reset verify verification code codes security secure two-factor authentication
authenticator device devices browser mobile desktop iphone android notification
notifications alert alerts reminder reminders message messages inbox template templates
document documents attachment attachments upload download sync synced syncing connect
connected connection disconnect api key keys token tokens webhook webhooks endpoint
endpoints request requests response error errors warning issue issues problem problems
fix troubleshoot troubleshooting access permission permissions role roles admin admins
owner member members invite invited invitation seat seats license organisation
organization company business client clients contact contacts vendor vendors supplier
suppliers expense expenses bill bills budget project projects task tasks ticket
tickets conversation conversations agent agents chat widget article articles category
categories search filter filters sort column columns row rows table spreadsheet csv pdf
xlsx json xml backup backups restore archive archived history log logs audit activity
event events calendar schedule scheduled recurring automatic automatically manual
manually default custom customise customize branding logo colour color theme language
timezone region country location shipping delivery tracking inventory stock item items
sku unit units quantity line lines summary detail details preview draft drafts sent
paid unpaid overdue pending failed declined approved rejected cancelled canceled
expired active inactive enabled disabled visible hidden public private shared sharing
storage limit limits usage quota upgrade downgrade trial renewal renew cancel
cancellation pause resume prefix sequence reference memo note notes
comment comments reply replies feedback rating survey form forms checkbox dropdown
toggle switch slider modal dialog popup banner sidebar header footer toolbar panel
section sections screen window sheet editor text format formatting bold italic heading
image images photo photos video videos screenshot icon icons upload uploaded size
mapping mapped matching match duplicate duplicates merge merged split batch bulk
selected selection copy paste move moved rename renamed label labels tag tags folder
folders sandbox production live test testing staging environment
version versions release releases feature features beta preview rollout migration
migrate migrated legacy deprecated supported unsupported compatible compatibility
requirement requirements install installed installation setup configure configured
configuration domain domains subdomain dns certificate ssl https redirect redirects
url urls embed embedded script scripts snippet plugin plugins extension extensions
zapier slack stripe paypal shopify quickbooks xero salesforce hubspot mailchimp google
microsoft outlook gmail dropbox teams zoom github jira notion sso saml oauth scim ldap
identity provider providers session sessions cookie cookies cache cached privacy gdpr
consent compliance policy policies terms retention deletion anonymise anonymize encrypt
encrypted encryption vat gst sales exempt exemption jurisdiction rate rates rounding
decimal decimals payroll employee employees salary wages timesheet timesheets hours
overtime holiday leave approval approvals workflow workflows rule rules trigger triggers
condition conditions action actions automation automations assign assigned assignee
queue queues priority priorities deadline sla escalation escalate macro macros
shortcut shortcuts keyboard hotkey command commands bar analytics metric metrics chart
charts graph trend trends forecast revenue profit loss margin cash flow aging ageing
receivable receivables payable payables ledger journal reconcile reconciliation
reconciled feed feeds deposit deposits withdrawal transfer transfers
wire ach sepa iban swift routing checkout cart coupon coupons promo voucher gift
membership member-only portal self-service knowledge base community forum post posts
topic topics vote votes answer answers question questions guide guides tutorial
walkthrough onboarding welcome tour getting started basics overview introduction faq
troubleshooter diagnose diagnostic
offline online conflict conflicts timeout timeouts slow performance outage
maintenance downtime incident incidents status-page uptime latency retry retries
 exceeded blocked unblock locked unlock suspended reactivate
reactivation closed close reopen reopened resolved unresolved escalated
"""

_GENERAL = """
people way day year work part place case week company system program government number
night point home water room mother area money story fact month lot right study book eye
job word side kind head house service friend father power hour game end member law car
city community name president team minute idea kid body information back parent face
others level office door health person art war party result morning reason research
girl guy moment air teacher force education foot boy age policy everything process music
market sense nation plan college interest death experience effect class control care
field development role effort rate heart drug show leader light voice wife police mind
price report decision son view relationship town road arm difference value building
action model season society tax director position player record paper space ground form
event official matter center couple site project activity star table need court oil
situation cost industry figure street image phone data picture practice piece land
product doctor wall patient worker news test movie north love support technology step
baby computer type attention film tree source organization hair window evidence
population site standard goal mean fine simple easy quick quickly slowly clear clearly
real really actually usually often sometimes always never already still even just well
good great small large big long short high low early late young old important different
possible available common free full general given hard ready right similar special strong
whole certain current easy final main major natural necessary only open personal
political popular private recent serious significant single social specific sure true
various wrong able basic busy careful cheap complete correct daily direct empty exact
extra fair familiar famous fast global helpful honest huge ideal known local lucky
modern normal obvious perfect plain proper quiet rare regular safe separate smart smooth
soft solid stable strange sudden typical unusual useful valid weekly monthly yearly
annual hourly instant previous primary secondary standard temporary total unique urgent
get go know take see come think look want give find tell ask work seem feel try leave
call keep let begin help talk turn start run move like live believe hold bring happen
write provide sit stand lose pay meet include continue learn lead understand watch
follow stop speak read allow spend grow offer remember love consider appear buy wait
serve die send expect build stay fall reach kill remain suggest raise pass sell require
decide return explain hope develop carry break receive agree support hit produce eat
cover catch draw choose cause point listen realize place close involve increase reduce
prevent protect replace describe avoid confirm enter check complete contain depend
determine ensure handle identify improve indicate introduce maintain manage notice
obtain occur prepare present prove publish recognize record refer reflect relate rely
remove repeat represent request respond review share solve store submit suppose
fill mark press tap type scroll drag drop hover zoom print scan sign paste wrap trim
forward backward above below inside outside near far left top bottom middle front
behind across along around beyond toward towards upon onto instead otherwise however
therefore although though unless whether either neither perhaps maybe almost enough
quite rather fairly nearly exactly simply directly immediately finally recently
currently previously generally especially particularly probably certainly definitely
easily correctly properly automatically manually securely separately together apart
today tomorrow yesterday tonight soon later now then ago since during meanwhile
morning afternoon evening weekend holiday monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october
november december spring summer autumn winter season quarter decade century
hundred thousand million billion half double single twice dozen several multiple
percent percentage average maximum minimum range ratio scale series sequence set
group pair couple batch bundle collection package kit tool tools method approach
solution answer option choice alternative example sample instance pattern structure
element component module layer level stage phase cycle loop path route step steps
goal target purpose reason cause effect impact benefit advantage risk chance
opportunity challenge difficulty mistake accident failure success progress growth
change difference improvement increase decrease drop rise loss gain profit
question answer topic subject issue concern matter detail fact truth idea thought
opinion belief view point argument claim proof evidence example reference source
customer client guest visitor reader writer author editor manager director officer
assistant partner colleague neighbor stranger expert beginner student owner founder
language english spanish french german japanese chinese italian portuguese dutch
country city state region area zone border coast island mountain river lake sea ocean
weather rain snow wind sun cloud storm heat cold temperature degree
color colour red blue green yellow orange purple pink black white gray grey brown dark
bright light shape circle square line dot edge corner surface side angle
material metal wood glass plastic paper stone cloth cotton leather steel
food meal breakfast lunch dinner coffee tea water milk bread fruit apple rice
kitchen bedroom bathroom garden office desk chair shelf drawer box bag bottle cup
clock watch key lock door gate wall floor roof stairs elevator
car bus train plane bike ship truck taxi airport station ticket trip travel journey
hotel restaurant shop store mall bank hospital school library museum park church
doctor nurse lawyer engineer designer developer accountant consultant contractor
freelancer agency studio startup enterprise nonprofit charity retailer wholesaler
health fitness sport game match team player coach score win lose
music song band concert movie show series episode channel station radio
computer laptop tablet printer scanner keyboard mouse monitor screen speaker camera
microphone headset cable charger battery router network wifi internet website server
cloud software hardware application program system platform service tool device
engine machine robot sensor signal wire chip memory disk drive
letter envelope stamp package parcel box label barcode
contract agreement deal offer proposal estimate bid tender purchase sale
lease rent mortgage loan debt interest investment stock share fund asset
insurance claim premium coverage deductible pension retirement savings
energy electricity gas fuel power solar heating cooling
attention memory focus habit routine schedule plan goal priority deadline
meeting call conference interview presentation workshop training course lesson
exam grade certificate diploma degree skill talent knowledge experience career
salary bonus raise promotion hiring recruiting resume application candidate
happy sad angry calm afraid excited tired bored curious confused surprised worried
kind polite rude friendly helpful patient generous brave shy proud
beautiful ugly clean dirty fresh wet dry hot warm cool heavy thin thick wide narrow
deep shallow loud silent sharp rough flat round straight broken fixed
ability access account accuracy addition adjustment administration advice
agreement allowance amount analysis announcement anxiety appearance appointment
arrangement assessment assignment assistance association assumption atmosphere
attempt attitude audience authority awareness balance basis behavior birth
blank boundary branch brand breath bridge budget burden capacity capital
category ceremony chain chapter character charge check circumstance
clarity climate combination comfort command commitment comparison competition
complaint complexity concept conclusion confidence conflict confusion connection
consequence consideration consistency constraint consumer context contribution
convenience conversation conversion cooperation coordination copy correction
correspondence counter courage coverage creation credibility crisis criteria
criticism culture curiosity damage dataset debate default definition delay demand
density departure deposit depth description design desire destination detection
device diagnosis dimension disaster discipline discount discovery discussion
display distance distribution district document domain donation draft duration
duty economy edition efficiency election emergency emphasis employment
encounter engagement entry environment episode equipment era essence estimate
evaluation evolution exception exchange excitement execution exercise
exhibition existence expansion expectation expense expression extension extent
facility factor faith feature fee fiction finding flexibility flight
formula foundation fraction framework frequency function funding gap generation
gesture gift guarantee guidance guideline harm headline heritage hierarchy
highlight hint holder horizon host household identity illustration imagination
implementation import impression incentive income independence index indication
inflation influence infrastructure initiative injury innovation input inquiry
insight inspection inspiration installation institution instruction integration
integrity intelligence intention interaction interface interpretation interval
intervention introduction invention inventory investigation invitation item
journey judgment justice label labor landscape launch layout leadership
legislation lesson liability license lifestyle limitation literature logic
maintenance majority margin measure mechanism medium membership mention
message milestone minority mission mixture mode monitor motion motivation
negotiation network norm notice notion objective obligation observation
occasion operation operator opponent order origin outcome output overview
panel parameter participant participation passage passenger patience
payment penalty perception performance period permission perspective phase
philosophy phrase pipeline platform pleasure portion possession potential
preference premise preparation presence preservation pressure prevention
principle priority procedure production profession profile projection
promise proportion protection protocol provision publication quality quantity
query ratio reaction reality recipe recognition recommendation recovery
reduction reflection reform registration regulation rejection relief
reminder removal repair replacement representation reputation requirement
reservation resident resistance resolution resource restriction revenue
revision reward rhythm routine sanction satisfaction scenario scope selection
sensitivity sentence sequence session settlement shift shortage signature
simulation sketch slot specification speech spirit stability statement
statistics status strategy strength stress stretch submission substance
succession suggestion supply surprise survey suspicion symbol sympathy
tactic tendency tension territory theme theory threshold timing tone
tradition traffic transaction transfer transition translation transparency
treatment trend trial trust tutorial uncertainty understanding variable variation
variety vehicle venture version victim violation vision volume warranty weakness
wealth welfare wisdom witness workshop yield zone
"""

ENGLISH_WORDS: tuple[str, ...] = _words(_FUNCTION + _DOMAIN + _GENERAL)
"""A few thousand real English words, most frequent first (function words, then product
and support words, then everyday English)."""

HELP_AREAS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (name, icon, description, the things articles in this area are about)
    ("Getting started", "rocket", "New here? Set up your workspace, invite your team and learn your way around.",
     ("your workspace", "the dashboard", "your business profile", "your first invoice", "the setup checklist", "sample data")),
    ("Account & login", "user", "Sign in, passwords, two-factor authentication and your personal profile.",
     ("your password", "two-factor authentication", "your email address", "your profile", "login sessions", "recovery codes")),
    ("Billing & plans", "credit-card", "Your subscription, plans, seats, invoices from us and payment methods.",
     ("your plan", "your subscription", "billing details", "seats", "your payment method", "the free trial")),
    ("Invoices", "file-text", "Create, send and track invoices, credit notes and recurring billing.",
     ("invoices", "recurring invoices", "invoice templates", "invoice numbers", "credit notes", "late fees", "draft invoices")),
    ("Payments", "wallet", "Accept card and bank payments, record payments and handle refunds.",
     ("card payments", "bank transfers", "refunds", "partial payments", "payment links", "payouts", "failed payments")),
    ("Quotes & estimates", "clipboard", "Send quotes, collect approvals and convert them into invoices.",
     ("quotes", "estimates", "quote approvals", "quote templates", "deposits")),
    ("Customers", "users", "Customer records, contacts, payment terms and statements.",
     ("customers", "customer contacts", "customer statements", "payment terms", "customer groups")),
    ("Products & inventory", "package", "Products, services, prices, stock levels and units.",
     ("products", "price lists", "stock levels", "product variants", "units of measure", "SKUs")),
    ("Taxes", "percent", "Sales tax, VAT and GST rates, exemptions and tax reports.",
     ("tax rates", "VAT", "tax exemptions", "reverse charge", "tax reports", "compound taxes")),
    ("Expenses & bills", "receipt", "Record expenses, scan receipts and pay your suppliers.",
     ("expenses", "receipts", "bills", "mileage", "expense categories", "supplier credits")),
    ("Banking & reconciliation", "landmark", "Connect bank feeds and match transactions.",
     ("bank feeds", "bank rules", "reconciliation", "bank statements", "transfers between accounts")),
    ("Reports & exports", "bar-chart", "Financial reports, dashboards and exporting your data.",
     ("reports", "the profit and loss report", "aged receivables", "exports", "scheduled reports", "custom reports")),
    ("Integrations", "plug", "Connect your other tools: accounting, e-commerce, CRM and chat.",
     ("integrations", "the Slack integration", "the Stripe integration", "Zapier", "the Shopify app", "calendar sync")),
    ("API & webhooks", "code", "Build on the platform with the REST API, webhooks and SDKs.",
     ("API keys", "webhooks", "rate limits", "pagination", "the REST API", "OAuth apps", "webhook signatures")),
    ("Team & permissions", "shield", "Invite teammates, manage roles and control who can see what.",
     ("team members", "roles", "permissions", "invitations", "ownership", "audit logs")),
    ("Notifications & email", "bell", "Email delivery, reminders, notifications and sender settings.",
     ("email notifications", "payment reminders", "the sender address", "email templates", "bounced emails", "push notifications")),
    ("Mobile app", "smartphone", "Use the iOS and Android apps, offline mode and receipt scanning.",
     ("the mobile app", "offline mode", "receipt scanning", "push notifications", "Face ID")),
    ("Security & privacy", "lock", "Data protection, GDPR, single sign-on and security settings.",
     ("single sign-on", "SAML", "data exports", "GDPR requests", "IP allowlists", "session timeouts")),
    ("Importing data", "upload", "Move your data in from spreadsheets and other software.",
     ("CSV imports", "opening balances", "historical invoices", "column mapping", "duplicate records")),
    ("Troubleshooting", "life-buoy", "Fix common problems with sign-in, sync, email delivery and payments.",
     ("sync errors", "slow loading", "browser issues", "missing data", "error messages", "cache problems")),
    ("Subscriptions", "repeat", "Sell recurring plans with trials, proration and dunning.",
     ("subscription plans", "trials", "proration", "dunning", "cancellations", "coupons")),
    ("Time tracking", "clock", "Track hours, timesheets and bill time to clients.",
     ("timers", "timesheets", "billable hours", "hourly rates", "time entries")),
    ("Projects", "folder", "Organise work into projects with budgets and tasks.",
     ("projects", "project budgets", "tasks", "milestones", "project reports")),
    ("Payroll", "briefcase", "Pay employees, file payroll taxes and manage benefits.",
     ("payroll runs", "pay slips", "employees", "deductions", "payroll taxes", "benefits")),
    ("Multi-currency", "globe", "Invoice and get paid in other currencies.",
     ("foreign currencies", "exchange rates", "currency gains", "multi-currency accounts")),
    ("Customer portal", "layout", "The portal where your customers view and pay invoices.",
     ("the customer portal", "portal branding", "portal access", "online payments")),
    ("Accessibility", "eye", "Use the product with a screen reader, keyboard or high contrast.",
     ("keyboard navigation", "screen readers", "high contrast mode", "font size")),
    ("Data & storage", "database", "Backups, storage limits, archiving and deleting data.",
     ("backups", "storage limits", "archived records", "data retention", "account deletion")),
)
"""Help-center areas: category seeds with the subjects their articles are about."""

ACTION_VERBS: tuple[str, ...] = _words(
    "create edit delete send export import archive duplicate customise schedule cancel void "
    "merge share print download restore filter connect disconnect enable disable set "
    "update change reset verify move rename review approve track find manage add remove "
    "sync reconcile upgrade transfer refund convert preview test configure limit hide"
)

UI_LABELS: tuple[str, ...] = (
    "Settings", "Save", "Save changes", "Export", "Import", "Continue", "Confirm", "Cancel",
    "New", "Edit", "Delete", "More", "Send", "Preview", "Download", "Billing", "Integrations",
    "Team", "Security", "Profile", "Reports", "Invoices", "Payments", "Customers", "Products",
    "Advanced", "Apply", "Done", "Connect", "Disconnect", "Add filter", "Select all", "Archive",
    "Notifications", "Developer", "API keys", "Webhooks", "Help", "Sign out", "Next", "Back",
)

INTEGRATIONS: tuple[str, ...] = (
    "Slack", "Stripe", "PayPal", "Shopify", "QuickBooks", "Xero", "Salesforce", "HubSpot",
    "Mailchimp", "Google Calendar", "Outlook", "Zapier", "Dropbox", "Microsoft Teams",
    "Zoom", "GitHub", "Jira", "Notion", "Google Sheets", "WooCommerce",
)

FILE_FORMATS: tuple[str, ...] = ("CSV", "PDF", "Excel", "JSON", "XML", "QIF", "OFX", "ZIP")

PERSON_NAMES: tuple[str, ...] = (
    "Amara Okafor", "Ben Carter", "Chloé Martin", "Daniel Schmidt", "Elena García", "Farah Khan",
    "George Miller", "Hana Suzuki", "Ivan Petrov", "Julia Rossi", "Kwame Mensah", "Lena Fischer",
    "Mateo López", "Nina Andersen", "Omar Haddad", "Priya Patel", "Quentin Dubois", "Rosa Silva",
    "Sam Taylor", "Tomás Ruiz", "Uma Nair", "Victor Lefèvre", "Wei Zhang", "Yuki Tanaka",
    "Zoe Brown", "jenny.k", "mike_b", "dev-anna", "tomwilson", "sarah.accounts", "bookkeeper22",
    "ops-lead", "Maximilian Weber", "Sofía Fernández", "Camille Bernard", "Kenji Watanabe",
    "Aiko Yamamoto", "Lukas Wagner", "Inès Moreau", "Pablo Sánchez", "Grace Lee", "Noah Davis",
    "Olivia Wilson", "Liam Johnson", "Emma Thompson", "Aarav Shah", "Fatima Zahra", "Sven Olsen",
)
"""Display names of community members (agents' official answers use the support team's)."""

FOREIGN_WORDS: dict[str, tuple[str, ...]] = {
    "de": _words(
        "der die das und ich nicht ist es zu ein eine mit auf für den von sie wir bei "
        "Rechnung Rechnungen Zahlung Zahlungen Konto Passwort Export Kunde Kunden Einstellungen "
        "Bericht Berichte Steuer Mehrwertsteuer Datei Fehler Problem Hilfe Frage Antwort wie "
        "warum wann kann können möchte funktioniert leider immer noch seit gestern heute "
        "nach Update wieder angezeigt gesendet bezahlt offen Betrag Datum Währung Bank "
        "Abonnement Vorlage Briefkopf Logo Benutzer Team Rolle Zugriff Anmeldung Handy App "
        "Danke Grüße bitte schnell langsam richtig falsch neu alt Liste Spalte Zeile "
        "importieren exportieren löschen ändern erstellen senden herunterladen hochladen"
    ),
    "es": _words(
        "el la los las y de que en un una por para con no es se lo como pero más "
        "factura facturas pago pagos cuenta contraseña exportar cliente clientes configuración "
        "informe informes impuesto IVA archivo error problema ayuda pregunta respuesta cómo "
        "qué cuándo puedo quiero funciona todavía desde ayer hoy después actualización "
        "otra vez aparece enviada pagada pendiente importe fecha moneda banco suscripción "
        "plantilla logotipo usuario equipo rol acceso inicio sesión móvil aplicación gracias "
        "saludos favor rápido lento correcto nuevo viejo lista columna fila importar borrar "
        "cambiar crear enviar descargar subir"
    ),
    "fr": _words(
        "le la les et de des un une que qui en pour pas sur avec ne est dans ce il je "
        "facture factures paiement paiements compte mot passe exporter client clients "
        "paramètres rapport rapports taxe TVA fichier erreur problème aide question réponse "
        "comment pourquoi quand puis veux fonctionne toujours depuis hier aujourd'hui après "
        "mise jour encore affiche envoyée payée attente montant date devise banque "
        "abonnement modèle logo utilisateur équipe rôle accès connexion mobile application "
        "merci cordialement svp rapide lent correct nouveau ancien liste colonne ligne "
        "importer supprimer modifier créer envoyer télécharger"
    ),
    "ja": _words(
        "請求書 支払い アカウント パスワード エクスポート 顧客 設定 レポート 税金 消費税 ファイル "
        "エラー 問題 ヘルプ 質問 回答 方法 できません 表示 送信 入金 未払い 金額 日付 通貨 銀行 "
        "サブスクリプション テンプレート ロゴ ユーザー チーム 権限 ログイン スマホ アプリ "
        "ありがとうございます よろしくお願いします 更新 後 また 新しい 一覧 列 行 インポート 削除 "
        "変更 作成 ダウンロード アップロード 連携 同期 通知 メール"
    ),
}
"""Small word lists for community posts written in German, Spanish, French and Japanese."""

FOREIGN_TITLES: dict[str, tuple[str, ...]] = {
    "de": (
        "Rechnung wird nicht gesendet", "Export nach Excel funktioniert nicht",
        "Wie ändere ich die Mehrwertsteuer?", "Zahlung wird als offen angezeigt",
        "Logo auf der Rechnung zu klein", "Passwort zurücksetzen geht nicht",
        "Frage zu wiederkehrenden Rechnungen", "Bankverbindung synchronisiert seit gestern nicht",
    ),
    "es": (
        "No puedo exportar facturas a CSV", "¿Cómo cambio la moneda de una factura?",
        "El pago aparece como pendiente", "Error al iniciar sesión en la aplicación móvil",
        "Plantilla de factura en español", "¿Se puede programar el envío de recordatorios?",
        "La sincronización con el banco falla", "Duda sobre el IVA en facturas",
    ),
    "fr": (
        "Impossible d'envoyer la facture par e-mail", "Comment modifier la TVA sur un devis ?",
        "Le paiement reste en attente", "Exporter les factures en PDF",
        "Problème de connexion à l'application", "Logo flou sur les factures",
        "Question sur les factures récurrentes", "La synchronisation bancaire ne fonctionne plus",
    ),
    "ja": (
        "請求書のエクスポートができません", "消費税の設定方法について", "支払いが未払いのまま表示される",
        "ログインできない問題", "請求書テンプレートのロゴについて", "銀行連携の同期エラー",
        "定期請求書の作成方法", "アプリで通知が届かない",
    ),
}
"""Realistic community post titles in each non-English language."""
