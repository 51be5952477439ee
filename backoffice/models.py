"""Imports every model so that metadata is complete (Alembic env.py, fork, tests)."""
from .audit.models import AuditEntry  # noqa: F401
from .clearing.models import ClIndustry, ClItem, ClTaxpayer  # noqa: F401
from .clock_models import JobRun, WorkItem  # noqa: F401
from .db import Base  # noqa: F401
from .explore.models import ExplorationJob  # noqa: F401
from .jinsan.models import (Change, Industry, Item, ItemRequest, Office, Officer, Return, Sale,  # noqa: F401
                            Stock, Taxpayer, TaxpayerIndustry, UsedInvoice)
from .sync.fault_models import SyncFault, UploadReport  # noqa: F401
from .sync.models import SchedulerLease  # noqa: F401
from .training.models import Assignment, Attempt, ClassMember, TrainingClass  # noqa: F401
from .users.models import ApiToken, IdempotencyKey, LoginThrottle, User, WebSession  # noqa: F401
from .wangpiao.models import (PcInstall, PcLeftover, PcMachine, WpAccount, WpDsInvoice,  # noqa: F401
                              WpIndustry, WpInvoice, WpInvoicer, WpItem, WpPrinter, WpPurchase,
                              WpRedReversal, WpSegment, WpSession, WpTaxpayerIndustry)
from .worlds.models import InvoiceType, World, WorldCounter, WorldMember  # noqa: F401
