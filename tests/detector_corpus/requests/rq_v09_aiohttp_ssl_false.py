# corpus: label=vulnerable class=tls_verification_disabled line=8 framework=requests
import asyncio
import aiohttp


async def main():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        async with s.get("https://api.example.com/ping", ssl=False) as r:
            print(r.status)


asyncio.run(main())
