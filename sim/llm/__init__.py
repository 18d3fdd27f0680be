"""An OpenAI/DeepSeek-compatible LLM simulator that answers from the knowledge it is sent.

Run it with ``python -m sim.llm --port 8002``; point ``DEEPSEEK_API_URL`` at
``http://127.0.0.1:8002/v1``. It imports nothing of the product.
"""

from sim.llm.app import create_app
from sim.llm.cli import main
from sim.llm.state import LlmSimConfig

__all__ = ["LlmSimConfig", "create_app", "main"]
