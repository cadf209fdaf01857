# corpus: label=safe class=tls_verification_disabled framework=requests
import asyncio
import aiohttp


async def main():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        async with s.get("https://api.example.com/ping") as r:
            print(r.status)


asyncio.run(main())
