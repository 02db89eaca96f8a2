from organisations.models.organisation import DeskResponsibility, Organisation
from organisations.models.region import Region

__all__ = ["DeskResponsibility", "Organisation", "Region"]
