"""Word lists the rules share: who can be blamed, what is a system, which words are filler.

Lists hold lower-case words unless noted. They are deliberately general (roles,
pronouns, common first names, infrastructure nouns) rather than tuned to examples.
"""

# People referred to by role, group or relation. Singular and plural forms.
ROLES = frozenset("""
engineer engineers developer developers dev devs programmer programmers coder coders
sre sres operator operators admin admins sysadmin sysadmins administrator administrators
dba dbas on-call oncall on-caller on-callers responder responders commander
manager managers lead leads director directors vp vps cto ceo cio cfo coo founder founders
executive executives exec execs boss bosses supervisor supervisors head
intern interns hire hires junior juniors senior seniors newbie newcomer trainee trainees
contractor contractors consultant consultants freelancer temp temps
recruiter recruiters hr qa tester testers analyst analysts designer designers
pm pms owner owners reviewer reviewers approver approvers author authors committer
maintainer maintainers architect architects technician technicians tech techs
employee employees staff staffer worker workers colleague colleagues coworker coworkers
co-worker co-workers teammate teammates person people guy guys folks individual
team teams squad management leadership marketing sales finance legal ops devops
company firm vendor vendors
someone somebody nobody noone anyone anybody whoever user
agent agents rep reps representative representatives coordinator coordinators partner partners
specialist specialists officer officers clerk clerks assistant assistants associate associates
advisor advisors adviser advisers leader leaders chief member members starter starters joiner joiners
newcomers mentor mentors buddy facilitator commanders approvers committers auditor auditors
accountant accountants planner planners inspector inspectors sponsor sponsors stakeholder stakeholders
interviewer interviewers panel panels panellist panellists panelist panelists committee committees recruiter
trainer trainers instructor instructors teacher teachers tutor tutors coach coaches nurse nurses doctor doctors surgeon surgeons
pilot pilots dispatcher dispatchers moderator moderators organiser organisers
organizer organizers volunteer volunteers receptionist receptionists secretary secretaries lawyer lawyers attorney attorneys
subcontractor subcontractors helpdesk help-desk desk salesperson salespeople seller sellers marketer marketers ciso cpo cmo
hiring-manager scrummaster scrummasters trader traders banker bankers dealer dealers landlord landlords cashier cashiers steward stewards caretaker caretakers janitor janitors 
caseworker caseworkers captain captains curator curators liaison liaisons postdoc postdocs crew crews
paramedic paramedics waiter waiters waitress waitresses bartender bartenders journalist journalists scientist scientists
researcher researchers student students professor professors lecturer lecturers headteacher pharmacist pharmacists
midwife midwives carer carers caregiver caregivers apprentice apprentices copywriter copywriters salesman salesmen
sub-editor sub-editors geniuses grown-up grown-ups sous-chef head-chef
""".split())

# Words that name people only after certain modifiers: a "change advisory board" decides, a "board meeting" is a thing.
PEOPLE_AFTER = {
    "board": frozenset("advisory review change approval".split()),
    "master": frozenset("scrum quiz".split()),
    # A "sous chef" cooks; "Chef" alone is also the configuration tool.
    "chef": frozenset("sous head pastry line executive".split()),
}
# People words with a second, technical sense after certain modifiers: a "hiring panel" decides,
# a "dashboard panel" displays.
THINGS_AFTER = {
    "panel": frozenset("""
dashboard grafana kibana datadog monitoring metrics metric latency error errors status control admin settings ui side front
solar graph chart display config configuration web the-latency patch
""".split()),
    # "The indexing worker failed to come up", "the monitoring agent failed to start".
    "worker": frozenset("""
indexing background celery queue build batch job sidekiq async cron etl web gunicorn kafka ingest ingestion
export import sync render email mail search cleanup compaction replication thumbnail billing payment
""".split()),
    "agent": frozenset("""
monitoring build ssh user backup logging log metrics datadog deploy deployment puppet ci sync update
telemetry endpoint security antivirus collector
""".split()),
}

# Pronouns that stand for other people; first person is kept apart because
# "we did not have an alert" is how a blameless write-up describes itself.
THIRD_PERSON = frozenset("he she they him her them you his hers their your someone somebody nobody".split())
FIRST_PERSON = frozenset("i we me us my our".split())

# Things, processes and artefacts: when one of these is the subject, a
# "failed to" or "should have" describes the system, not a person.
SYSTEMS = frozenset("""
system systems service services job jobs task tasks deploy deploys deployment deployments
pipeline pipelines build builds test tests suite suites check checks alert alerts alerting
alarm alarms monitor monitors monitoring dashboard dashboards metric metrics graph graphs
process processes procedure procedures checklist checklists runbook runbooks playbook playbooks
policy policies practice practices rota rotas schedule scheduler workflow workflows
hand-off handoff handover form template tool tools tooling script scripts command commands
config configuration configs setting settings flag flags feature rule rules guard guardrail
guardrails cluster clusters node nodes server servers host hosts instance instances container
containers pod pods database databases db replica replicas primary cache caches queue queues
balancer balancers proxy network router disk disks storage backup backups snapshot snapshots
migration migrations release releases rollout rollback change changes patch patches code
commit commits bug bugs error errors request requests traffic load api apis endpoint
app application applications software ui page pager paging cron timer worker-pool
certificate cert dns firewall review reviews approval process pr prs ticket tickets
update updates upgrade image images version versions library dependency dependencies
handler handlers consumer consumers producer producers listener listeners parser parsers daemon daemons
integration integrations connector connectors importer importers exporter exporters sync
announcement announcements notice notices letter letters memo memos invite invites calendar
canary canaries probe probes healthcheck health-check linter linters scanner validation validator
automation bot bots gate gates threshold thresholds limit limits quota timeout timeouts retry retries
circuit breaker sensor hook hooks webhook trigger report reports email emails notification notifications
message messages doc docs documentation wiki plan plans design architecture budget sla slo
board meeting meetings standup training onboarding handbook guide guideline guidelines standard
requirement requirements spec estimate roadmap backlog sprint project launch product
it this that which
""".split())

# Outside organisations: their acts are a supplier's failure, not one person's.
ORGANISATIONS = frozenset("vendor vendors company companies firm firms provider providers supplier suppliers customer customers client clients".split())

# Capitalised words that name products, vendors, places and dates rather than people, so
# "because Kafka dropped the messages" or "until Monday" is not read as a person acting.
PROPER_NON_PERSONS = frozenset("""
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december christmas easter
mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec
utc gmt bst cet pst est
kafka redis postgres postgresql mysql mariadb mongo mongodb cassandra elasticsearch opensearch zookeeper
etcd consul vault nomad terraform ansible puppet chef helm argo spinnaker jenkins circleci travis
github gitlab bitbucket slack pagerduty opsgenie jira confluence notion zoom teams outlook gmail excel
nginx envoy haproxy istio linkerd varnish docker kubernetes linux windows macos android ios chrome firefox
safari aws amazon azure microsoft google gcp cloudflare fastly akamai datadog grafana prometheus splunk
sentry okta stripe twilio heroku vercel netlify lambda celery rabbitmq sidekiq django rails node react
java python ruby rust golang salesforce zendesk workday greenhouse lever hubspot sap oracle ibm apple
europe asia africa america americas london paris berlin tokyo dublin frankfurt sydney singapore
""".split())

# Words skipped when walking left from a verb to find its subject.
FILLER = frozenset("""
had has have having did does do was were is are am be been being would could should
might must may can will shall not never n't also just really simply then still only
even ever already again probably certainly clearly obviously actually apparently
basically definitely surely at least all both either neither so too very quite
""".split())

# Words that open a new clause: the subject search stops here.
CLAUSE_OPENERS = frozenset("""
because since as so but although though while whereas when whenever after before until
unless if once where which whereby and or nor then yet
""".split())

# Verbs of perception, knowledge or receipt: "did not receive the page" is
# about the signal, not about a person's diligence.
NEUTRAL_AFTER_NEGATION = frozenset("""
have has had know knew known receive received get got see saw seen hear heard
need needed mean meant intend intended expect expected exist work appear seem
want wanted realise realize notice find found feel felt
""".split())

# A closed list of common given names, for sentence-initial names such as
# "Sam restarted..." where capitalisation alone proves nothing.
FIRST_NAMES = frozenset("""
aaron abdul adam adrian ahmed aisha alan alex alexander alice alicia amanda amir amy ana
andrea andrew andy angela anil anita ankit ann anna anne anthony arjun ben benjamin beth
bill bob brad brandon brian bruno carl carla carlos carol caroline charles charlie chen chris
christina christine claire daniel danielle dave david deepak diana diego dmitri dan dana
ed eddie elena eli elizabeth ellen emily emma eric erik eva fatima felix fernando frank
gabriel gary george grace greg hannah harry hassan helen henry hiro ian igor isabel ivan
jack jake james jamie jane janet jason jay jeff jen jenna jennifer jenny jessica jim joe
john jon jonathan jordan jorge jose joseph josh juan julia julie justin karen kate katie
keith ken kevin kim kumar laura lauren lee leo li lily linda lisa liz luis luke maria
mark marco marcus mario marta mary matt matthew max maya megan mei michael michelle mike
miguel mohammed nadia nancy natalia nathan neil nick nicole nina noah olga oliver omar
pablo pat patrick paul pedro peter phil priya rachel raj rahul ravi rebecca richard rick
rob robert ryan sam samantha sandra sara sarah scott sean sergei simon sofia sophie
stephen steve steven sue susan tanya tom tim tina tony vikram victor wei will william
yuki yusuf zoe zack
gareth declan siobhan roisin niamh aoife ciara cormac eoin fergus seamus padraig oisin saoirse sinead orla
aisling bronwen rhys dylan gwen owain cerys iwan ewan callum alistair hamish fiona morag kirsty ailsa lachlan
angus isla vivian vivienne nigel graham trevor colin derek gavin darren wayne shane craig barry dennis gerald
harold howard leonard ronald russell stanley stuart terry walter wendy yvonne agnes alison audrey
barbara beverley brenda carmen cheryl deborah denise donna doris dorothy eileen elaine eleanor esther evelyn
gillian gloria irene jacqueline janice jill joan joanne josephine joyce judith judy julian kathleen kathryn
kerry lesley lorraine louise lucy lynn margaret marian marilyn marion maureen melanie miriam monica natalie
nora pamela paula pauline philippa rosemary  sharon sheila shirley stella teresa theresa tracy
valerie vanessa veronica vicky aiden ashley blake bradley caleb cameron carter cody connor dominic ethan evan
isaac jacob jared jeremy jesse joel jonah joshua kayla kyle liam logan lucas morgan nolan owen parker
riley seth tyler wyatt zachary abigail amelia ava brianna brooke chloe courtney ella emilia gabriella haley
harper kaitlyn kelsey leah lillian madeline natasha olivia paige zara
beatriz lucia sebastian alejandro alejandra andres antonio camila catalina cristina eduardo emilio enrique
esteban federico francisco gonzalo guillermo gustavo ignacio javier jimena joaquin leticia lorena
manuel marisol martina mateo nicolas octavio pilar rafael ramon raquel ricardo rocio rodrigo sergio silvia
valentina ximena yolanda joao goncalo tiago rui ines duarte giulia giovanni giuseppe luca lorenzo matteo
alessandro alessia chiara francesca federica simona stefano paolo davide riccardo antoine aurelie benoit
camille celine chantal clement elodie etienne fabrice francois gilles helene isabelle jacques 
julien laurent lucie manon mathieu nathalie pierre remi sandrine sylvie thierry thomas yves amelie
margaux anja birgit dieter frieda gunther hans heike helga ingrid jens jurgen karl katrin klaus lars lena
lukas magnus matthias monika reinhard sabine stefan sven tobias uwe wolfgang astrid bjorn freya
gunnar kari karin kristin leif linnea nils oskar pernille sigrid soren tove anneke bram daan femke joost
maarten pieter sanne thijs wouter ulla piotr kasia katarzyna agnieszka bartosz jakub krzysztof lukasz magda
malgorzata marek michal pawel tomasz wojciech zofia aleksandra anya boris galina irina katya mikhail oksana
pavel svetlana tatiana vadim vladimir yelena yuri zoran milena dragan goran jelena luka marija nikola petra
tomas ondrej jana lenka nikos eleni dimitris giorgos yannis kostas ayse emre mehmet murat elif zeynep burak
deniz selin cem ahmad ali amina farah farid hamza hiba ibrahim jamal karim khalid layla leila mahmoud
malik mariam mona mustafa nabil nasser noor rami rana rania reza salma samir sami tariq walid yasmin youssef
zainab zaid dariush arash navid parisa shirin yara kofi kwame abena akosua kojo chidi ngozi chinedu
chiamaka emeka obinna adaeze bukola ousmane oluwaseun tunde ayodele folake funmilayo yemi segun amara nkechi
thabo sipho lindiwe nomvula zanele themba kagiso wanjiru wambui kamau otieno achieng njeri baraka juma amani
zawadi abebe tigist selam haile mekdes fatou aminata moussa mamadou ibrahima awa cheikh aarav aditi aditya
akash amit anand anjali arun ashok deepa divya gaurav harish harsha isha kavya kiran krishna lakshmi manish
meera mohan neha nikhil nisha pooja pradeep prakash pranav preeti rajesh rakesh ramesh ritu rohan sachin
sanjay santosh shreya shruti siddharth sneha sunil suresh swati tanvi varun vijay vinod vivek yash farhan
ayesha bilal hamid nadeem rashid sana usman hiroshi haruka kenji takeshi yuto sakura akiko kaito
ren daiki mai naoko ryo satoshi shota tomoko jae-won min-jun seo-yeon ji-hoon hyun-woo jiwoo minji
seojun jisoo dong-hyun eun-ji xin hao jing xiaoming xiaoli yifan yuxuan zihan jiayi haoran tuan
linh minh anh thao duc hieu huong thanh somchai siriporn nattapong kanya arnon budi putri dewi agus ayu
rizal joko maricel jomar rowena ezra levi moshe noa tamar yael eitan shira yonatan
""".split())
